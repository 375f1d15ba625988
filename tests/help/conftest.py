"""The help centre's tests: the small article set under tests/help/fixtures/content, imported once per test."""

from pathlib import Path

import pytest

from recovery.help.content import import_content

FIXTURES = Path(__file__).parent / "fixtures" / "content"


@pytest.fixture
def articles(services):
    """The fixture articles imported and published (committed in the test's rolled-back connection)."""
    with services() as ctx:
        return import_content(ctx, FIXTURES)
