"""Module names that cannot be confused: `web` is the recovery/web/ package alone (docs/architecture.md)."""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "recovery"


def test_no_capability_module_is_named_like_the_web_package():
    clashing = [str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("web.py")]
    assert not clashing, "a capability's request-side helpers go in its view_kit.py"
