"""Reset fixtures: accounts as rows (the accounts service is not under test here), links read from the outbox."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from recovery.accounts.models import User
from recovery.reset.models import PasswordReset
from recovery.sessions.service import start_session
from recovery.web.context import runtime

LINK = re.compile(r"https?://[^\s\"<>]+/reset/([A-Za-z0-9_.\-]+)")
OLD_PASSWORD = "a sturdy passphrase for tests"
NEW_PASSWORD = "copper lantern drifts over seven quiet hills"


@dataclass
class Account:
    id: int
    email: str


def add_account(app, email: str = "ada@example.com", *, status: str = "active", verified: bool = True,
                locale: str = "en", reason: str | None = None) -> Account:
    """An account as a committed row of `app`'s (rolled-back) test transaction."""
    with app.app_context(), runtime(app).db.transaction() as session:
        now = runtime(app).clock.now()
        user = User(email=email, password_hash=runtime(app).passwords.hash(OLD_PASSWORD),
                    password_changed_at=now, role="user", status=status, status_reason=reason, locale=locale,
                    created_at=now, email_verified_at=now if verified else None)
        session.add(user)
        session.flush()
        return Account(user.id, user.email)


@pytest.fixture
def make_account(app):
    return lambda email="ada@example.com", **kwargs: add_account(app, email, **kwargs)


@pytest.fixture
def account(make_account) -> Account:
    return make_account()


@pytest.fixture
def request_link(client, outbox):
    """Ask for a link through the API and return the token from the newest reset email to that address."""

    def request(email: str = "ada@example.com", **headers: str) -> str:
        response = client.post("/api/v1/password-resets", json={"email": email}, headers=headers)
        assert response.status_code == 202
        return token_in(outbox(to=email, template="reset_link")[-1])

    return request


def csrf_in(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def token_in(message) -> str:
    match = LINK.search(message.payload["text"])
    assert match, message.payload["text"]
    return match.group(1)


@pytest.fixture
def db_rows(app):
    """Fresh reads of the database, outside any request."""

    class Rows:
        def user(self, user_id: int) -> User:
            with app.app_context():
                session = runtime(app).db.new_session()
                try:
                    return session.get(User, user_id)
                finally:
                    session.close()

        def resets(self, user_id: int) -> list[PasswordReset]:
            with app.app_context():
                session = runtime(app).db.new_session()
                try:
                    return list(session.scalars(select(PasswordReset).where(PasswordReset.user_id == user_id)
                                                .order_by(PasswordReset.id)))
                finally:
                    session.close()

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
