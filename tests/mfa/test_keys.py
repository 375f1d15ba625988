"""TOTP secrets under rotating keys: a new key first, the old one second, `rotate-encryption-keys`, old key gone."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.fernet import Fernet
from helpers.people import ADA, PASSWORD

from recovery.accounts.service import get_user
from recovery.alerts.models import WebhookSubscription
from recovery.alerts.webhooks import create_subscription
from recovery.mfa.models import TotpAuthenticator
from recovery.web.context import runtime

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def keys(app):
    """Restart the app with other RECOVERY_ENCRYPTION_KEYS (newest first)."""

    def configure(*keys: str) -> None:
        runtime(app).settings = dataclasses.replace(runtime(app).settings, encryption_keys=keys)

    configure(OLD)
    return configure


def _signs_in_with(client, code: str) -> int:
    token = client.post("/api/v1/sessions", json={"email": ADA, "password": PASSWORD}).get_json()["mfa_token"]
    return client.post("/api/v1/sessions/mfa", json={"mfa_token": token, "code": code}).status_code


def _ciphertext(people, ada) -> str:
    [row] = people.rows(TotpAuthenticator, user_id=ada)
    return row.secret_ciphertext


def test_rotation_keeps_codes_working_through_every_step(app, client, people, ada, keys):
    phone = people.enroll(ADA)
    before = _ciphertext(people, ada)
    keys(NEW, OLD)
    assert _signs_in_with(client, phone.code()) == 201
    result = app.test_cli_runner().invoke(args=["recovery", "rotate-encryption-keys"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted under the newest key: 1 TOTP secret(s), 0 webhook secret(s)" in result.output
    after = _ciphertext(people, ada)
    assert after != before
    assert Fernet(NEW.encode()).decrypt(after.encode()).decode() == phone.secret
    keys(NEW)
    assert _signs_in_with(client, phone.code()) == 201
    assert [e.details for e in people.events("mfa.keys.rotated")] == [{"count": 1, "unreadable": 0}]


def test_rotation_reencrypts_pending_enrollments_too(app, client, people, ada, keys):
    secret = client.post("/api/v1/mfa/totp", headers=people.bearer(ADA)).get_json()["secret"]
    keys(NEW, OLD)
    app.test_cli_runner().invoke(args=["recovery", "rotate-encryption-keys"])
    assert Fernet(NEW.encode()).decrypt(_ciphertext(people, ada).encode()).decode() == secret


def test_removing_a_key_before_rotating_is_reported_not_hidden(app, client, people, ada, keys):
    phone = people.enroll(ADA)
    keys(NEW)
    result = app.test_cli_runner().invoke(args=["recovery", "rotate-encryption-keys"])
    assert result.exit_code == 1 and "1 secret(s) match no configured key" in result.output
    token = client.post("/api/v1/sessions", json={"email": ADA, "password": PASSWORD}).get_json()["mfa_token"]
    response = client.post("/api/v1/sessions/mfa", json={"mfa_token": token, "code": phone.code()})
    assert response.status_code == 503  # an operator's mistake: never a way around the second factor
    keys(NEW, OLD)
    assert _signs_in_with(client, phone.code()) == 201


def test_rotation_covers_webhook_secrets_too(app, people, services, keys):
    staff = people.staff("sec@example.com", "security")
    with services() as ctx:
        _subscription, secret = create_subscription(ctx, get_user(ctx, staff), url="https://hooks.example.com/in")
    keys(NEW, OLD)
    result = app.test_cli_runner().invoke(args=["recovery", "rotate-encryption-keys"])
    assert result.exit_code == 0 and "1 webhook secret(s)" in result.output
    [row] = people.rows(WebhookSubscription)
    assert Fernet(NEW.encode()).decrypt(row.secret_ciphertext.encode()).decode() == secret
