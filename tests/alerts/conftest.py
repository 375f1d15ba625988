"""Alerts' app: detection's (the fixed geo answers, the test's `overrides`), opting in explicitly to webhook
receivers on 127.0.0.1 and test host names."""

import pytest
from helpers.outbox import webhook_test_settings


@pytest.fixture
def app(make_app, geo, overrides):
    extra = {"geo_lookup": geo, **webhook_test_settings(), **overrides.get("extra", {})}
    return make_app(**{**overrides, "extra": extra})
