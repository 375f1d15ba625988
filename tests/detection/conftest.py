"""Detection's app: the fixed geo answers (tests/conftest.py `geo`) and the test's `overrides`."""

import pytest


@pytest.fixture
def app(make_app, geo, overrides):
    extra = {"geo_lookup": geo, **overrides.get("extra", {})}
    return make_app(**{**overrides, "extra": extra})
