import pytest

from events.people import People


@pytest.fixture
def people(services, client) -> People:
    return People(services, client)
