import pytest
from outbox.receivers import webhook_test_settings

from tests.detection.fixtures import geo, overrides  # noqa: F401


@pytest.fixture
def app(make_app, geo, overrides):  # noqa: F811
    """The detection tests' app, opting in explicitly to webhook receivers on 127.0.0.1 and test host names."""
    extra = {"geo_lookup": geo, **webhook_test_settings(), **overrides.get("extra", {})}
    return make_app(**{**overrides, "extra": extra})
