"""MFA fixtures: accounts made through the real services, one of them with TOTP enrolled (its phone in hand)."""

from __future__ import annotations

import pytest
from accounts.conftest import accounts_people  # noqa: F401  (users made through the accounts service)
from people import PASSWORD, rows

from recovery.events.models import SecurityEvent

ADA = "ada@example.com"


@pytest.fixture
def ada(people) -> int:
    return people.user(ADA)


@pytest.fixture
def phone(people, ada):
    """Ada's authenticator: TOTP is on for her account."""
    return people.enroll(ADA)


@pytest.fixture
def api_signin(client):
    """POST /api/v1/sessions with Ada's password from an IP; returns the JSON answer and status."""

    def sign_in(email: str = ADA, password: str = PASSWORD, ip: str = "10.0.0.1"):
        response = client.post("/api/v1/sessions", json={"email": email, "password": password},
                               environ_base={"REMOTE_ADDR": ip})
        return response.status_code, response.get_json()

    return sign_in


@pytest.fixture
def second_step(client):
    """POST /api/v1/sessions/mfa."""

    def complete(mfa_token: str, code: str, ip: str = "10.0.0.1"):
        response = client.post("/api/v1/sessions/mfa", json={"mfa_token": mfa_token, "code": code},
                               environ_base={"REMOTE_ADDR": ip})
        return response

    return complete


@pytest.fixture
def event_types(app):
    """The types of the security events recorded for a user, oldest first."""

    def types(user_id: int, prefix: str = "mfa.") -> list[str]:
        events = rows(app, SecurityEvent, SecurityEvent.user_id == user_id, SecurityEvent.type.startswith(prefix),
                      order=SecurityEvent.id)
        return [event.type for event in events]

    return types
