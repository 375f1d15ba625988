"""Tickets fixtures: people as rows (any role, any status), their API tokens and browser sign-in, and the codes
and links read back from the outbox as a requester would read their mail."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

import pytest
from flask import Response

from recovery.accounts.models import STAFF_ROLES, User
from recovery.accounts.service import has_second_factor
from recovery.sessions.service import start_session
from recovery.tickets.models import Ticket
from recovery.web.auth import set_session_cookie
from tests.conftest import TEST_PASSWORD

try:  # staff pages ask for a second factor once the MFA capability is installed
    from tests.mfa.helpers import Phone, enroll_totp
except ImportError:  # pragma: no cover - before the MFA capability lands
    Phone, enroll_totp = None, None

CODE = re.compile(r"\b(\d{8})\b")
STATUS_LINK = re.compile(r"https?://[^\s\"<>]+/appeal/status/([0-9]+\.[0-9a-f]+)")
CANCEL_LINK = re.compile(r"https?://[^\s\"<>]+/recover/cancel/([0-9]+\.[0-9a-f]+)")


class People:
    """Adds accounts straight to the database and signs them in through the real sessions service."""

    def __init__(self, services, client) -> None:
        self.services = services
        self.client = client
        self.phones: dict[int, Phone] = {}  # staff id -> their authenticator

    def add(self, email: str, *, role: str = "user", status: str = "active", reason: str | None = None,
            locale: str = "en") -> int:
        with self.services() as ctx:
            now = ctx.clock.now()
            user = User(email=email, password_hash=ctx.passwords.hash(TEST_PASSWORD), password_changed_at=now,
                        role=role, status=status, status_reason=reason, locale=locale, created_at=now,
                        email_verified_at=now)
            ctx.session.add(user)
            ctx.session.flush()
            if role in STAFF_ROLES and enroll_totp is not None:
                self.phones[user.id] = enroll_totp(ctx, user)
            return user.id

    def _token(self, user_id: int, kind: str) -> str:
        """A session as a full sign-in leaves it: past the second factor when the account has one."""
        with self.services() as ctx:
            passed = has_second_factor(ctx, ctx.session.get(User, user_id))
            return start_session(ctx, user_id, kind=kind, mfa_passed=passed)[1]

    def staff(self, email: str, role: str = "agent") -> int:
        return self.add(email, role=role)

    def headers(self, user_id: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token(user_id, 'api')}"}

    def sign_in(self, user_id: int) -> None:
        token = self._token(user_id, "browser")
        with self.client.application.test_request_context():
            response = Response()
            set_session_cookie(response, token)
        for name, morsel in SimpleCookie(response.headers["Set-Cookie"]).items():
            self.client.set_cookie(name, morsel.value)

    def user(self, user_id: int) -> User:
        with self.services() as ctx:
            return ctx.session.get(User, user_id)

    def ticket(self, ticket_id: int) -> Ticket:
        with self.services() as ctx:
            return ctx.session.get(Ticket, ticket_id)


@pytest.fixture
def people(services, client) -> People:
    return People(services, client)


def text_of(message) -> str:
    return message.payload["text"]


def code_in(message) -> str:
    match = CODE.search(text_of(message))
    assert match, "no code in the email"
    return match.group(1)


def status_token_in(message) -> str:
    match = STATUS_LINK.search(text_of(message))
    assert match, "no status link in the email"
    return match.group(1)


def cancel_token_in(message) -> str:
    match = CANCEL_LINK.search(text_of(message))
    assert match, "no cancel link in the email"
    return match.group(1)
