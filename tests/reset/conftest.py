"""Reset fixtures: accounts as rows (helpers.people; the accounts service is not under test here), links read
from the outbox (helpers.mail)."""

from __future__ import annotations

import pytest
from helpers.database import get, rows
from helpers.mail import token_in
from helpers.people import Added, add_user

from recovery.accounts.models import User
from recovery.reset.models import PasswordReset
from recovery.sessions.service import start_session


@pytest.fixture
def make_account(app):
    """An account as a committed row, with the shared test password (helpers.people.PASSWORD, the reset's old one)."""
    return lambda email="ada@example.com", **kwargs: add_user(app, email, **kwargs)


@pytest.fixture
def account(make_account) -> Added:
    return make_account()


@pytest.fixture
def request_link(client, outbox):
    """Ask for a link through the API and return the token from the newest reset email to that address."""

    def request(email: str = "ada@example.com", **headers: str) -> str:
        response = client.post("/api/v1/password-resets", json={"email": email}, headers=headers)
        assert response.status_code == 202
        return token_in(outbox(to=email, template="reset_link")[-1])

    return request


@pytest.fixture
def db_rows(app):
    """Fresh reads of the database, outside any request."""

    class Rows:
        def user(self, user_id: int) -> User:
            return get(app, User, user_id)

        def resets(self, user_id: int) -> list[PasswordReset]:
            return rows(app, PasswordReset, PasswordReset.user_id == user_id, order=PasswordReset.id)

    return Rows()


@pytest.fixture
def session_for(services):
    def start(user_id: int, kind: str = "api") -> str:
        with services() as ctx:
            _session, token = start_session(ctx, user_id, kind=kind)
        return token

    return start


@pytest.fixture
def second_factor_enrolled(monkeypatch):
    """Every account counts as having MFA (the seam both the accounts and reset services ask)."""
    from recovery.accounts import service as accounts
    from recovery.reset import service as reset

    for module in (accounts, reset):
        monkeypatch.setattr(module, "has_second_factor", lambda ctx, user: True)
