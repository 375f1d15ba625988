"""MFA fixtures: accounts made through the real services, one of them with TOTP enrolled (its phone in hand)."""

from __future__ import annotations

import pytest
from helpers.database import rows
from helpers.people import ADA, PASSWORD
from helpers.signin import api_signin as post_signin

from recovery.events.models import SecurityEvent


@pytest.fixture
def phone(people, ada):
    """Ada's authenticator: TOTP is on for her account."""
    return people.enroll(ADA)


@pytest.fixture
def api_signin(client):
    """helpers.signin.api_signin with Ada's password from 10.0.0.1 by default; returns the status and JSON answer."""

    def sign_in(email: str = ADA, password: str = PASSWORD, ip: str = "10.0.0.1"):
        response = post_signin(client, password, ip=ip, email=email)
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
