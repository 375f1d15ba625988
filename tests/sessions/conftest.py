from __future__ import annotations

import pytest
from accounts.helpers import Accounts


@pytest.fixture
def people(app, services, client) -> Accounts:
    return Accounts(app, services, client)
