"""Fixtures shared by the detection and alerts tests: an app with the fixed geo answers, per-test settings."""

from __future__ import annotations

import pytest

from tests.detection.helpers import fixed_geo


@pytest.fixture
def geo():
    return fixed_geo()


@pytest.fixture
def overrides() -> dict:
    """Settings for this test's app: parametrize `overrides` to change them."""
    return {}


@pytest.fixture
def app(make_app, geo, overrides):
    extra = {"geo_lookup": geo, **overrides.get("extra", {})}
    return make_app(**{**overrides, "extra": extra})

