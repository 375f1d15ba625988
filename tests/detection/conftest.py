from tests.detection.fixtures import app, geo, overrides, people  # noqa: F401
