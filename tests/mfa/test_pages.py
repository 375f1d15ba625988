"""The browser side of MFA: the second-factor page at sign-in, setting up with a QR code, recovery codes, changes."""

from __future__ import annotations

import re

import pyotp
import pytest
from helpers.csrf import csrf_from
from helpers.people import ADA, PASSWORD

from recovery.sessions.models import UserSession

SESSION_COOKIE = "__Host-recovery_session"
CHALLENGE_COOKIE = "__Host-recovery_mfa"


def _post(client, page: str, path: str, data: dict | None = None):
    html = client.get(page).get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_from(html), **(data or {})})


def _password_step(people, client):
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    return client.post("/signin", data={"csrf_token": token, "email": ADA, "password": PASSWORD,
                                        "next": "/security/mfa/recovery-codes"})


def _enroll_in_browser(client, clock) -> tuple[str, str]:
    """Security page -> set up -> QR page; returns the secret read from the page and the page itself."""
    response = _post(client, "/security/mfa/setup", "/security/mfa/setup")
    assert response.status_code == 302 and response.headers["Location"] == "/security/mfa/setup/confirm"
    html = client.get("/security/mfa/setup/confirm").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    return secret, html


# --- sign-in -----------------------------------------------------------------------------------------

def test_password_of_an_mfa_account_leads_to_the_code_page_not_a_session(client, people, ada, phone):
    response = _password_step(people, client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/signin/second-factor?next=/security/mfa/recovery-codes"
    assert client.get_cookie(SESSION_COOKIE) is None
    cookie = client.get_cookie(CHALLENGE_COOKIE)
    assert cookie is not None and cookie.http_only and cookie.secure and cookie.same_site == "Strict"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "authenticator app" in html and 'name="code"' in html and "<script" not in html


def test_code_page_signs_in_and_goes_on_to_the_page_asked_for(client, people, ada, phone):
    page = _password_step(people, client).headers["Location"]
    response = people.second_factor(phone.code(), page=page)
    assert response.status_code == 302 and response.headers["Location"] == "/security/mfa/recovery-codes"
    assert client.get_cookie(SESSION_COOKIE) is not None and client.get_cookie(CHALLENGE_COOKIE) is None
    [session] = people.sessions_of(ada)
    assert session.kind == "browser" and session.mfa_passed is True


def test_signing_in_again_with_mfa_replaces_the_browsers_previous_session(client, people, ada, phone):
    people.sign_in(ADA)
    people.sign_in(ADA)
    sessions = sorted(people.rows(UserSession, user_id=ada), key=lambda s: s.created_at)
    assert [s.revoked_reason for s in sessions] == ["rotated", None]


def test_code_page_wrong_code_rerenders_and_the_fifth_asks_for_the_password(client, people, ada, phone):
    page = _password_step(people, client).headers["Location"]
    for _ in range(4):
        response = people.second_factor("000000", page=page)
        assert response.status_code == 400 and "That code is not correct." in response.get_data(as_text=True)
    last = people.second_factor("000000", page=page)
    html = last.get_data(as_text=True)
    assert last.status_code == 401 and "Too many wrong codes" in html and 'href="/signin"' in html
    assert people.second_factor(phone.code(), page=page).status_code == 401
    assert client.get_cookie(SESSION_COOKIE) is None


def test_code_page_without_a_password_step_goes_to_sign_in(client):
    response = client.get("/signin/second-factor")
    assert response.status_code == 302 and response.headers["Location"] == "/signin"


def test_code_page_accepts_a_recovery_code(client, people, ada, phone, outbox):
    page = _password_step(people, client).headers["Location"]
    assert people.second_factor(phone.recovery_codes[0], page=page).status_code == 302
    assert len(outbox(to=ADA, template="mfa_recovery_code_used")) == 1


# --- setting up --------------------------------------------------------------------------------------

def test_security_page_offers_setup_when_mfa_is_off(client, people, ada):
    people.sign_in(ADA)
    html = client.get("/security").get_data(as_text=True)
    assert "Two-step verification" in html and 'href="/security/mfa/setup"' in html


def test_setup_shows_an_inline_svg_qr_code_and_the_secret_as_text(client, people, ada, clock):
    people.sign_in(ADA)
    secret, html = _enroll_in_browser(client, clock)
    assert len(secret) == 32
    assert "<svg" in html and "<img" not in html and "<script" not in html and "otpauth://" not in html


@pytest.mark.parametrize("path", ["/security/mfa/setup", "/security/mfa/recovery-codes"])
def test_setup_and_new_recovery_codes_need_a_recent_password(client, people, ada, phone, clock, path):
    people.sign_in(ADA)
    clock.advance(minutes=11)
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/reauthenticate")


def test_setup_confirmed_shows_recovery_codes_once_with_download_and_print(client, people, ada, clock):
    people.sign_in(ADA)
    secret, _ = _enroll_in_browser(client, clock)
    response = _post(client, "/security/mfa/setup/confirm", "/security/mfa/setup/confirm",
                     {"code": pyotp.TOTP(secret).at(clock.now())})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    codes = re.findall(r'<code class="secret">([A-Z2-7-]{19})</code>', html)
    assert len(codes) == 10 and "<script" not in html
    sheet = re.search(r'name="sheet" value="([^"]+)"', html).group(1)
    token = csrf_from(html)
    download = client.post("/security/mfa/recovery-codes/download", data={"csrf_token": token, "sheet": sheet})
    assert download.status_code == 200 and download.mimetype == "text/plain"
    assert download.headers["Content-Disposition"] == 'attachment; filename="recovery-codes.txt"'
    assert all(code in download.get_data(as_text=True) for code in codes)
    printed = client.post("/security/mfa/recovery-codes/print", data={"csrf_token": token, "sheet": sheet})
    printed_html = printed.get_data(as_text=True)
    assert printed.status_code == 200 and all(code in printed_html for code in codes)
    assert "<script" not in printed_html
    security = client.get("/security").get_data(as_text=True)
    assert "Recovery codes left: 10." in security and not any(code in security for code in codes)


def test_recovery_code_sheet_expires_and_belongs_to_its_account(client, people, ada, clock):
    people.sign_in(ADA)
    secret, _ = _enroll_in_browser(client, clock)
    html = _post(client, "/security/mfa/setup/confirm", "/security/mfa/setup/confirm",
                 {"code": pyotp.TOTP(secret).at(clock.now())}).get_data(as_text=True)
    sheet = re.search(r'name="sheet" value="([^"]+)"', html).group(1)
    people.user("bob@example.com")
    people.sign_in("bob@example.com")
    assert _post(client, "/security", "/security/mfa/recovery-codes/download", {"sheet": sheet}).status_code == 400
    people.sign_in(ADA)
    clock.advance(minutes=16)
    assert _post(client, "/security", "/security/mfa/recovery-codes/download", {"sheet": sheet}).status_code == 400


def test_security_page_warns_when_two_or_fewer_recovery_codes_remain(client, people, ada, phone, services):
    from recovery.accounts.service import get_user
    from recovery.mfa.service import verify_second_factor

    with services() as ctx:
        user = get_user(ctx, ada)
        for code in phone.recovery_codes[:8]:
            verify_second_factor(ctx, user, code)
    people.sign_in(ADA)
    html = client.get("/security").get_data(as_text=True)
    assert "Recovery codes left: 2." in html
    assert "Make a new set before you run out." in html


def test_regenerating_codes_in_the_browser_shows_a_new_set(client, people, ada, phone):
    people.sign_in(ADA)
    html = _post(client, "/security/mfa/recovery-codes", "/security/mfa/recovery-codes").get_data(as_text=True)
    codes = re.findall(r'<code class="secret">([A-Z2-7-]{19})</code>', html)
    assert len(codes) == 10 and not set(codes) & set(phone.recovery_codes)


def test_security_page_in_chinese(client, people, ada, phone):
    people.sign_in(ADA)
    client.get("/language/zh_Hans")
    html = client.get("/security").get_data(as_text=True)
    assert "两步验证" in html and "剩余恢复码：10 个。" in html


# --- changes -----------------------------------------------------------------------------------------

def test_disable_page_needs_the_password_and_a_current_code(client, people, ada, phone, outbox):
    people.sign_in(ADA)
    wrong_password = _post(client, "/security/mfa/disable", "/security/mfa/disable",
                           {"password": "not the right passphrase", "code": phone.code()})
    assert wrong_password.status_code == 400 and "That password is not correct." in wrong_password.get_data(True)
    wrong_code = _post(client, "/security/mfa/disable", "/security/mfa/disable",
                       {"password": PASSWORD, "code": "000000"})
    assert wrong_code.status_code == 400 and "That code is not correct." in wrong_code.get_data(as_text=True)
    assert client.get("/api/v1/mfa", headers=people.bearer(ADA)).get_json()["totp_enabled"] is True
    done = _post(client, "/security/mfa/disable", "/security/mfa/disable", {"password": PASSWORD,
                                                                             "code": phone.code()})
    assert done.status_code == 302
    assert client.get("/api/v1/mfa", headers=people.bearer(ADA)).get_json()["totp_enabled"] is False
    [notice] = outbox(to=ADA, template="mfa_changed")[-1:]
    assert "turned off" in notice.payload["subject"]


def test_replace_page_keeps_the_old_app_until_the_new_one_is_confirmed(client, people, ada, phone, clock, outbox):
    people.sign_in(ADA)
    response = _post(client, "/security/mfa/replace", "/security/mfa/replace",
                     {"password": PASSWORD, "code": phone.code()})
    assert response.status_code == 302 and response.headers["Location"] == "/security/mfa/setup/confirm"
    html = client.get("/security/mfa/setup/confirm").get_data(as_text=True)
    new_secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    assert new_secret != phone.secret
    clock.advance(seconds=30)
    confirmed = _post(client, "/security/mfa/setup/confirm", "/security/mfa/setup/confirm",
                      {"code": pyotp.TOTP(new_secret).at(clock.now())})
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/security"
    assert "replaced" in outbox(to=ADA, template="mfa_changed")[-1].payload["subject"]
    clock.advance(seconds=30)
    body = client.post("/api/v1/sessions", json={"email": ADA, "password": PASSWORD}).get_json()
    old = client.post("/api/v1/sessions/mfa", json={"mfa_token": body["mfa_token"], "code": phone.code_at(0)})
    assert old.status_code == 400
    new = client.post("/api/v1/sessions/mfa", json={"mfa_token": body["mfa_token"],
                                                   "code": pyotp.TOTP(new_secret).at(clock.now())})
    assert new.status_code == 201
    assert phone.recovery_codes  # the recovery codes stay valid after a replace
    body = client.post("/api/v1/sessions", json={"email": ADA, "password": PASSWORD}).get_json()
    assert client.post("/api/v1/sessions/mfa", json={"mfa_token": body["mfa_token"],
                                                    "code": phone.recovery_codes[0]}).status_code == 201


def test_replace_page_needs_the_password_and_a_code(client, people, ada, phone):
    people.sign_in(ADA)
    response = _post(client, "/security/mfa/replace", "/security/mfa/replace", {"password": PASSWORD})
    assert response.status_code == 400
    response = _post(client, "/security/mfa/replace", "/security/mfa/replace",
                     {"password": "not the right passphrase", "code": phone.code()})
    assert response.status_code == 400


def test_replace_page_cannot_start_a_first_enrollment_without_re_authentication(client, people, ada, clock):
    people.sign_in(ADA)
    clock.advance(minutes=11)
    response = _post(client, "/security/mfa/replace", "/security/mfa/replace", {"password": PASSWORD,
                                                                                 "code": "123456"})
    assert response.status_code == 409
