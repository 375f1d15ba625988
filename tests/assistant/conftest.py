"""The assistant's tests: the help centre's real articles (content/help), imported when a test asks for them."""

import pytest

from recovery.help.content import import_content


@pytest.fixture
def articles(services):
    """The repository's articles imported and published (in the test's rolled-back connection)."""
    with services() as ctx:
        return import_content(ctx)
