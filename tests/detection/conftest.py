from tests.detection.fixtures import app, geo, overrides  # noqa: F401
