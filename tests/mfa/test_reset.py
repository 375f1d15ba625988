"""A password reset of an account with MFA asks for a second factor, end to end through the reset capability."""

from __future__ import annotations

import pytest
from helpers.errors import error_code
from helpers.mail import token_in
from helpers.people import ADA

from recovery.reset.models import PasswordReset

NEW_PASSWORD = "copper lantern drifts over seven quiet hills"


@pytest.fixture
def reset_token(client, outbox):
    def request() -> str:
        assert client.post("/api/v1/password-resets", json={"email": ADA}).status_code == 202
        return token_in(outbox(to=ADA, template="reset_link")[-1])

    return request


def _confirm(client, token: str, code: str | None = None, password: str = NEW_PASSWORD):
    body = {"token": token, "password": password, **({"code": code} if code is not None else {})}
    return client.post("/api/v1/password-resets/confirm", json=body)


def test_reset_of_an_mfa_account_needs_a_valid_code(client, people, ada, phone, reset_token, api_signin):
    token = reset_token()
    missing = _confirm(client, token)
    assert missing.status_code == 400 and error_code(missing) == "second_factor_required"
    wrong = _confirm(client, token, "000000")
    assert wrong.status_code == 400 and error_code(wrong) == "second_factor_invalid"
    assert [row.used_at for row in people.rows(PasswordReset, user_id=ada)] == [None]
    assert people.events("mfa.code.failed", ada)[0].details == {"purpose": "verify"}
    done = _confirm(client, token, phone.code())
    assert done.status_code == 200 and done.get_json()["status"] == "password_reset"
    status, body = api_signin(password=NEW_PASSWORD)
    assert status == 200 and body["mfa_required"] is True  # the reset left the second factor in place


def test_reset_of_an_mfa_account_accepts_a_recovery_code_once(client, people, ada, phone, reset_token, outbox):
    code = phone.recovery_codes[0]
    assert _confirm(client, reset_token(), code).status_code == 200
    assert len(outbox(to=ADA, template="mfa_recovery_code_used")) == 1
    assert error_code(_confirm(client, reset_token(), code, password="brass kettle hums beneath winter stars")) == \
        "second_factor_invalid"


def test_reset_of_an_mfa_account_allows_a_password_shorter_than_fifteen(client, phone, reset_token):
    assert _confirm(client, reset_token(), phone.code(), password="Gw9#Tz4kRq").status_code == 200


def test_reset_code_failures_count_towards_the_account_budget(client, phone, reset_token):
    token = reset_token()
    for _ in range(5):
        assert _confirm(client, token, "000000").status_code == 400
    assert _confirm(client, token, phone.code()).status_code == 429
