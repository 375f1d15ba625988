from __future__ import annotations

import pytest
from people import Accounts


@pytest.fixture(name="people")
def accounts_people(app, services, client) -> Accounts:
    """Users made through the accounts service, rather than the shared fixture's rows (sessions and MFA too)."""
    return Accounts(app, services, client)
