"""Enrolling TOTP: re-authentication first, not active until a valid code, recovery codes once, secret encrypted."""

from __future__ import annotations

import re

import pyotp
from helpers.people import ADA

from recovery.mfa.models import RecoveryCode, TotpAuthenticator
from recovery.sessions.models import UserSession
from recovery.web.context import runtime

GROUPED = re.compile(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}")


def _begin(client, headers):
    return client.post("/api/v1/mfa/totp", headers=headers)


def _confirm(client, headers, code):
    return client.post("/api/v1/mfa/totp/confirm", json={"code": code}, headers=headers)


def test_begin_answers_secret_uri_and_qr_but_is_not_active_yet(client, people, ada, api_signin):
    headers = people.bearer(ADA)
    response = _begin(client, headers)
    assert response.status_code == 201
    body = response.get_json()
    assert len(body["secret"]) == 32 and body["otpauth_uri"].startswith("otpauth://totp/recovery:ada%40example.com")
    assert "issuer=recovery" in body["otpauth_uri"] and body["qr_svg"].startswith("<svg")
    assert body["expires_at"] == "2026-03-02T09:15:00+00:00"
    assert client.get("/api/v1/mfa", headers=headers).get_json()["totp_enabled"] is False
    status, signed_in = api_signin()
    assert status == 201 and "session_token" in signed_in  # the password alone still signs in


def test_begin_needs_a_recent_password(client, people, ada, clock):
    headers = people.bearer(ADA)
    clock.advance(minutes=11)
    response = _begin(client, headers)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "reauthentication_required"


def test_confirm_with_a_valid_code_switches_it_on_and_answers_ten_recovery_codes(client, people, ada, clock, outbox,
                                                                                   event_types):
    headers = people.bearer(ADA)
    secret = _begin(client, headers).get_json()["secret"]
    response = _confirm(client, headers, pyotp.TOTP(secret).at(clock.now()))
    assert response.status_code == 200
    codes = response.get_json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10 and all(GROUPED.fullmatch(code) for code in codes)
    status = client.get("/api/v1/mfa", headers=headers).get_json()
    assert status["totp_enabled"] is True and status["recovery_codes_remaining"] == 10
    [notice] = outbox(to=ADA, template="mfa_changed")
    assert "turned on" in notice.payload["subject"]
    assert event_types(ada) == ["mfa.totp.enrollment_started", "mfa.totp.enabled"]


def test_confirm_with_a_wrong_code_leaves_it_off_and_records_the_failure(client, people, ada, clock, event_types):
    headers = people.bearer(ADA)
    secret = _begin(client, headers).get_json()["secret"]
    wrong = f"{(int(pyotp.TOTP(secret).at(clock.now())) + 1) % 1_000_000:06d}"
    response = _confirm(client, headers, wrong)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "second_factor_invalid"
    assert client.get("/api/v1/mfa", headers=headers).get_json()["totp_enabled"] is False
    assert event_types(ada) == ["mfa.totp.enrollment_started", "mfa.code.failed"]


def test_pending_enrollment_expires_after_fifteen_minutes(client, people, ada, clock):
    headers = people.bearer(ADA)
    secret = _begin(client, headers).get_json()["secret"]
    clock.advance(minutes=15)
    response = _confirm(client, headers, pyotp.TOTP(secret).at(clock.now()))
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "mfa_enrollment_expired"


def test_beginning_again_replaces_the_pending_secret(client, people, ada, clock):
    headers = people.bearer(ADA)
    first = _begin(client, headers).get_json()["secret"]
    second = _begin(client, headers).get_json()["secret"]
    assert first != second
    assert _confirm(client, headers, pyotp.TOTP(first).at(clock.now())).status_code == 400
    assert _confirm(client, headers, pyotp.TOTP(second).at(clock.now())).status_code == 200


def test_secret_is_not_readable_in_the_database(people, ada, app):
    phone = people.enroll(ADA)
    [row] = people.rows(TotpAuthenticator, user_id=ada)
    assert phone.secret not in row.secret_ciphertext
    assert phone.secret.lower() not in row.secret_ciphertext.lower()
    assert row.secret_ciphertext.startswith("gAAAA")  # a Fernet token
    codes = people.rows(RecoveryCode, user_id=ada)
    assert len(codes) == 10
    assert not any(code.replace("-", "") in row.code_digest for code in phone.recovery_codes for row in codes)


def test_the_secret_is_never_shown_again_after_enrollment(client, people, ada, phone):
    people.sign_in(ADA)
    html = client.get("/security").get_data(as_text=True)
    assert phone.secret not in html and phone.secret[:4] + " " not in html
    assert client.get("/security/mfa/setup/confirm").status_code == 302


def test_confirming_marks_the_session_as_past_the_second_factor(client, people, ada, clock):
    headers = people.bearer(ADA)
    secret = _begin(client, headers).get_json()["secret"]
    _confirm(client, headers, pyotp.TOTP(secret).at(clock.now()))
    sessions = people.rows(UserSession, user_id=ada)
    assert [s.mfa_passed for s in sessions] == [True]


def test_with_mfa_the_password_rules_allow_eight_characters(people, ada, services, app):
    from recovery.accounts import service as accounts

    people.enroll(ADA)
    with services() as ctx:
        user = accounts.get_user(ctx, ada)
        assert accounts.has_second_factor(ctx, user) is True
        assert accounts.password_requirements(ctx, user)["min_length"] == 8
        assert runtime(app).settings.password_min_length == 15


def test_status_of_an_account_without_mfa(client, people, ada):
    body = client.get("/api/v1/mfa", headers=people.bearer(ADA)).get_json()
    assert body == {"totp_enabled": False, "enabled_at": None, "recovery_codes_remaining": 0,
                    "pending_expires_at": None}
