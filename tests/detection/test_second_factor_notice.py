"""A wrong second factor after a correct password is told only when it means something: a few minutes later, if
the same known device did not sign in meanwhile (the owner mistyping), and at most once per 15 minutes. Through
the real API sign-in (an API client's device is its browser, OS and network), with the frozen clock."""

from __future__ import annotations

import pytest
from helpers.detection import FIREFOX
from helpers.phone import enroll_totp

from recovery.accounts.models import User
from recovery.detection.notices import SECOND_FACTOR_GRACE

EMAIL = "ada@example.com"
BERLIN = "198.51.100.7"


@pytest.fixture
def phone(people, services, ada, clock):
    with services() as ctx:
        enrolled = enroll_totp(ctx, ctx.session.get(User, ada))
    clock.advance(days=2)  # a new device right after an MFA change is itself reported: not what is tested here
    return enrolled


def password(client, ip: str = BERLIN, agent: str | None = None) -> str:
    response = client.post("/api/v1/sessions", json={"email": EMAIL, "password": "a sturdy passphrase for tests"},
                           environ_base={"REMOTE_ADDR": ip}, headers={"User-Agent": agent} if agent else {})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["mfa_token"]


def code(client, token: str, value: str, ip: str = BERLIN, agent: str | None = None) -> int:
    return client.post("/api/v1/sessions/mfa", json={"mfa_token": token, "code": value},
                       environ_base={"REMOTE_ADDR": ip},
                       headers={"User-Agent": agent} if agent else {}).status_code


def known_device(client, phone) -> None:
    """A first full sign-in from Berlin: the account knows this device from now on."""
    assert code(client, password(client), phone.code()) == 201


def told(outbox) -> list:
    return [m for m in outbox(to=EMAIL, template="new_signin")
            if m.payload["subject"] == "Someone entered your password"]


def test_a_mistype_then_success_on_a_known_device_sends_nothing(client, phone, outbox, clock):
    known_device(client, phone)
    clock.advance(hours=1)
    token = password(client)
    assert code(client, token, "000000") == 400
    assert told(outbox) == []  # not at once
    clock.advance(seconds=20)
    assert code(client, token, phone.code()) == 201
    clock.advance(SECOND_FACTOR_GRACE)
    assert [m.payload["subject"] for m in outbox(to=EMAIL, template="new_signin")] == []


def test_a_failure_with_no_success_is_told_after_the_grace(client, phone, outbox, clock):
    known_device(client, phone)
    clock.advance(hours=1)
    assert code(client, password(client), "000000") == 400
    clock.advance(SECOND_FACTOR_GRACE / 2)
    assert told(outbox) == []
    clock.advance(SECOND_FACTOR_GRACE)
    [mail] = told(outbox)
    assert "/signin-notice/secure/" in mail.payload["text"]


def test_an_unfamiliar_device_is_told_even_after_a_success(client, phone, outbox, clock):
    """Its success is itself reported (a new device) and that email has the secure button: one email, not two."""
    known_device(client, phone)
    clock.advance(hours=1)
    token = password(client, agent=FIREFOX)
    assert code(client, token, "000000", agent=FIREFOX) == 400
    clock.advance(seconds=20)
    assert code(client, token, phone.code(), agent=FIREFOX) == 201
    clock.advance(SECOND_FACTOR_GRACE)
    [mail] = outbox(to=EMAIL, template="new_signin")
    assert "/signin-notice/secure/" in mail.payload["text"]


def test_an_unfamiliar_device_that_never_succeeds_is_told(client, phone, outbox, clock):
    known_device(client, phone)
    clock.advance(hours=1)
    assert code(client, password(client, agent=FIREFOX), "000000", agent=FIREFOX) == 400
    clock.advance(SECOND_FACTOR_GRACE)
    assert len(told(outbox)) == 1


def test_at_most_one_notice_per_account_per_fifteen_minutes(client, phone, outbox, clock):
    known_device(client, phone)
    clock.advance(hours=1)
    for agent in (None, FIREFOX, None):  # two devices: the cap is the account's
        assert code(client, password(client, agent=agent), "000000", agent=agent) == 400
        clock.advance(minutes=2)
    clock.advance(SECOND_FACTOR_GRACE)
    assert len(told(outbox)) == 1
    clock.advance(minutes=16)
    assert code(client, password(client, agent=FIREFOX), "000000", agent=FIREFOX) == 400
    clock.advance(SECOND_FACTOR_GRACE)
    assert len(told(outbox)) == 2
