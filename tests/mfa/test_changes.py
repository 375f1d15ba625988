"""Turning MFA off needs the password and a current factor; support resets remove it; every address is told."""

from __future__ import annotations

from helpers.errors import error_code
from helpers.people import ADA, PASSWORD

from recovery.context import Actor
from recovery.mfa.models import MfaChallenge, RecoveryCode, TotpAuthenticator


def _disable(client, headers, **body):
    return client.post("/api/v1/mfa/totp/disable", json=body, headers=headers)


def _add_verified_contact(services, user_id: int, email: str) -> None:
    from recovery.accounts import service as accounts

    with services() as ctx:
        contact = accounts.add_contact_address(ctx, accounts.get_user(ctx, user_id), email)
        contact.verified_at = ctx.clock.now()


def test_disabling_needs_the_password(client, people, ada, phone):
    response = _disable(client, people.bearer(ADA), password="not the right passphrase", code=phone.code())
    assert response.status_code == 400 and error_code(response) == "wrong_password"
    assert people.rows(TotpAuthenticator, user_id=ada)


def test_disabling_needs_a_current_factor(client, people, ada, phone):
    headers = people.bearer(ADA)
    missing = client.post("/api/v1/mfa/totp/disable", json={"password": PASSWORD}, headers=headers)
    assert missing.status_code == 400 and "code" in missing.get_json()["error"]["fields"]
    wrong = _disable(client, headers, password=PASSWORD, code="000000")
    assert wrong.status_code == 400 and error_code(wrong) == "second_factor_invalid"
    assert people.rows(TotpAuthenticator, user_id=ada)


def test_disabling_with_both_removes_every_factor_and_tells_every_address(client, people, ada, phone, services,
                                                                           outbox, api_signin):
    _add_verified_contact(services, ada, "ada.backup@example.org")
    headers = people.bearer(ADA)
    response = _disable(client, headers, password=PASSWORD, code=phone.code())
    assert response.status_code == 200 and response.get_json() == {"status": "disabled"}
    assert people.rows(TotpAuthenticator, user_id=ada) == [] and people.rows(RecoveryCode, user_id=ada) == []
    notices = [m for m in outbox(template="mfa_changed") if "turned off" in m.payload["subject"]]
    assert sorted(m.recipient for m in notices) == ["ada.backup@example.org", ADA]
    assert [e.type for e in people.events("mfa.totp.disabled", ada)] == ["mfa.totp.disabled"]
    status, body = api_signin()
    assert status == 201 and "session_token" in body


def test_disabling_with_a_recovery_code_works_too(client, people, ada, phone):
    response = _disable(client, people.bearer(ADA), password=PASSWORD, code=phone.recovery_codes[0])
    assert response.status_code == 200


def test_disabling_refuses_a_password_too_short_for_an_account_without_mfa(app, client, people, ada, phone):
    import dataclasses

    from recovery.web.context import runtime

    headers = people.bearer(ADA)
    # The policy for password-only accounts grew past this 28-character password after it was chosen.
    runtime(app).settings = dataclasses.replace(runtime(app).settings, password_min_length=40)
    response = _disable(client, headers, password=PASSWORD, code=phone.code())
    assert response.status_code == 400 and "shorter than 40" in response.get_json()["error"]["fields"]["password"][0]
    assert people.rows(TotpAuthenticator, user_id=ada)


def test_disabling_when_mfa_is_off_answers_409(client, people, ada):
    response = _disable(client, people.bearer(ADA), password=PASSWORD, code="123456")
    assert response.status_code == 409 and error_code(response) == "mfa_not_enabled"


def test_replacing_through_the_api_needs_the_password_and_a_code(client, people, ada, phone):
    headers = people.bearer(ADA)
    bare = client.post("/api/v1/mfa/totp", headers=headers)
    assert bare.status_code == 400 and set(bare.get_json()["error"]["fields"]) == {"password", "code"}
    response = client.post("/api/v1/mfa/totp", json={"password": PASSWORD, "code": phone.code()}, headers=headers)
    assert response.status_code == 201 and response.get_json()["secret"] != phone.secret


def test_support_reset_removes_the_factor_records_the_note_and_tells_the_holder(people, ada, phone, services,
                                                                                 outbox, api_signin):
    agent = people.staff("agent@example.com", "agent")
    token = api_signin()[1]["mfa_token"]
    from recovery.accounts.service import get_user
    from recovery.mfa.service import reset_mfa

    with services(Actor("staff", agent, "10.0.0.9", "console")) as ctx:
        assert reset_mfa(ctx, get_user(ctx, ada), actor_note="ticket 7: ID checked") is True
    assert people.rows(TotpAuthenticator, user_id=ada) == [] and people.rows(RecoveryCode, user_id=ada) == []
    assert people.rows(MfaChallenge, user_id=ada) == []
    [event] = people.events("mfa.reset", ada)
    assert (event.actor_type, event.actor_id) == ("staff", agent)
    assert event.details == {"note": "ticket 7: ID checked", "had_factor": True}
    [notice] = outbox(to=ADA, template="mfa_changed")[-1:]
    assert "reset by support" in notice.payload["subject"]
    assert token  # the challenge issued before the reset no longer exists
    status, body = api_signin()
    assert status == 201 and "session_token" in body


def test_support_reset_of_an_account_without_mfa_says_so(people, ada, services):
    from recovery.accounts.service import get_user
    from recovery.mfa.service import reset_mfa

    with services() as ctx:
        assert reset_mfa(ctx, get_user(ctx, ada)) is False
