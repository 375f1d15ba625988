"""Sign-in: a session for the right password, one answer for every wrong one, and the reasons only after a right one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from helpers.csrf import csrf_from
from helpers.mail import code_in
from helpers.people import NEW_PASSWORD, PASSWORD
from helpers.signin import api_signin
from sqlalchemy import select

from recovery.accounts.models import User
from recovery.events.models import SecurityEvent
from recovery.passwords import PasswordHasher
from recovery.sessions.models import UserSession
from recovery.web.context import runtime

COOKIE = "__Host-recovery_session"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_signin_page_right_password_sets_the_session_cookie_and_goes_to_security(client, people):
    people.user("ada@example.com")
    response = people.sign_in("ada@example.com")
    assert response.status_code == 302 and response.headers["Location"] == "/security"
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None and cookie.http_only and cookie.secure and cookie.same_site == "Lax"
    assert "ada@example.com" in client.get("/security").get_data(as_text=True)


def test_signin_page_wrong_password_rerenders_with_one_message(client, people):
    people.user("ada@example.com")
    response = people.sign_in("ada@example.com", "not the right passphrase")
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "The email or password is incorrect." in html
    assert "not the right passphrase" not in html
    assert client.get_cookie(COOKIE) is None


def test_signin_api_unknown_email_and_wrong_password_answer_identically(client, people):
    people.user("ada@example.com")
    wrong = api_signin(client, "not the right passphrase", ip="10.0.0.1", email="ada@example.com")
    unknown = api_signin(client, "not the right passphrase", ip="10.0.0.2", email="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_data() == unknown.get_data()
    assert _headers(wrong) == _headers(unknown)


def test_signin_page_unknown_email_and_wrong_password_look_the_same(client, people, csrf):
    people.user("ada@example.com")
    token = csrf("/signin")
    wrong = client.post("/signin", data={"csrf_token": token, "email": "ada@example.com", "password": "nope"},
                        environ_base={"REMOTE_ADDR": "10.0.0.1"})
    unknown = client.post("/signin", data={"csrf_token": token, "email": "bob@example.com", "password": "nope"},
                          environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_data(as_text=True).replace("ada@", "bob@") == unknown.get_data(as_text=True)
    assert _headers(wrong) == _headers(unknown)


def _headers(response) -> dict:
    # The window's reset time and the seconds until it are clock readings that may tick between two requests;
    # every other header but the request's own id, the limit counters included, must be the same.
    return {k: v for k, v in response.headers.items()
            if k not in ("X-RateLimit-Reset", "X-RateLimit-Retry-After", "X-Request-ID")}


def test_signin_unknown_email_spends_one_dummy_argon2_verification(client, app):
    hasher = app.extensions["recovery"].passwords
    calls = []
    original = hasher.verify
    hasher.verify = lambda stored, password: calls.append(stored) or original(stored, password)
    api_signin(client, PASSWORD, ip="10.0.0.1", email="nobody@example.com")
    assert len(calls) == 1  # verify_dummy goes through verify, against the dummy hash


def test_signin_failure_is_recorded_even_though_the_request_fails(client, people):
    user_id = people.user("ada@example.com")
    api_signin(client, "not the right passphrase", ip="10.0.0.1", email="ada@example.com")
    api_signin(client, "not the right passphrase", ip="10.0.0.1", email="nobody@example.com")
    [known] = people.events("account.signin.failed", user_id)
    assert known.details == {"reason": "wrong_password"} and known.ip == "10.0.0.1"
    unknown = [e for e in people.events("account.signin.failed") if e.user_id is None]
    assert unknown and unknown[0].details == {"reason": "unknown_account"}


def test_signin_over_long_password_is_refused_before_hashing(client, people, app):
    people.user("ada@example.com")
    hasher = app.extensions["recovery"].passwords
    hasher.verify = lambda *a: pytest.fail("hashed an over-long password")
    response = api_signin(client, "x" * 257, ip="10.0.0.1", email="ada@example.com")
    assert response.status_code == 401


def test_signin_unverified_email_after_right_password_resends_a_code(client, people, outbox, clock):
    people.user("ada@example.com", verified=False)
    clock.advance(minutes=5)
    response = api_signin(client, PASSWORD, ip="10.0.0.1", email="ada@example.com")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "email_unverified"
    assert len(outbox(to="ada@example.com", template="verify_email")) == 2
    code = code_in(outbox(to="ada@example.com", template="verify_email")[-1])
    verified = client.post("/api/v1/accounts/verify", json={"email": "ada@example.com", "code": code,
                                                             "password": PASSWORD})
    assert verified.status_code == 200
    assert api_signin(client, PASSWORD, ip="10.0.0.1", email="ada@example.com").status_code == 201


def test_signin_unverified_email_with_wrong_password_says_only_wrong_credentials(client, people):
    people.user("ada@example.com", verified=False)
    response = api_signin(client, "not the right passphrase", ip="10.0.0.1", email="ada@example.com")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_credentials"


def test_signin_unverified_allowed_when_verification_is_optional(make_app):
    app = make_app(require_email_verification=False)
    client = app.test_client()
    client.post("/api/v1/accounts", json={"email": "ada@example.com", "password": PASSWORD})
    assert api_signin(client, PASSWORD, ip="10.0.0.1", email="ada@example.com").status_code == 201


@pytest.mark.parametrize("status", ["locked", "suspended", "banned"])
def test_signin_api_non_active_account_with_right_password_is_told_why_and_what_next(client, people, status):
    user_id = people.user("ada@example.com")
    people.set_status(user_id, status, "Spam reports from several users")
    response = api_signin(client, PASSWORD, ip="10.0.0.1", email="ada@example.com")
    error = response.get_json()["error"]
    assert response.status_code == 403 and error["code"] == "account_not_active"
    assert error["message"] == f"This account is {status}. Reason: Spam reports from several users"
    assert error["account_status"] == status and error["reason"] == "Spam reports from several users"
    assert error["next"]["action"] == "appeal" and "appeal" in error["next"]["message"]
    assert error["next"]["url"] == "https://recovery.example.test/appeal?email=ada@example.com"


def test_signin_api_non_active_account_with_wrong_password_learns_nothing(client, people):
    user_id = people.user("ada@example.com")
    people.set_status(user_id, "banned", "Fraud")
    response = api_signin(client, "not the right passphrase", ip="10.0.0.1", email="ada@example.com")
    assert response.status_code == 401 and "Fraud" not in response.get_data(as_text=True)


def test_signin_page_banned_account_sees_the_reason_and_the_next_step_in_chinese(client, people):
    user_id = people.user("ada@example.com")
    people.set_status(user_id, "banned", "Fraud")
    response = client.post("/signin", data={"csrf_token": _token(client), "email": "ada@example.com",
                                            "password": PASSWORD}, headers={"Accept-Language": "zh-CN"})
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "该账号已被封禁。原因：Fraud" in html
    assert "可以提出申诉" in html
    assert client.get_cookie(COOKIE) is None


def _token(client) -> str:
    return csrf_from(client.get("/signin").get_data(as_text=True))


def test_signin_rotates_the_session_and_kills_the_old_one(client, people):
    user_id = people.user("ada@example.com")
    people.sign_in("ada@example.com")
    first = client.get_cookie(COOKIE).value
    people.sign_in("ada@example.com")
    second = client.get_cookie(COOKIE).value
    assert first != second
    sessions = people.sessions_of(user_id)
    assert len(sessions) == 2
    assert sorted(s.revoked_reason or "live" for s in sessions) == ["live", "rotated"]
    client.set_cookie(COOKIE, first)
    assert client.get("/security").status_code == 302


def test_signin_rotates_the_csrf_seed(client, people):
    people.user("ada@example.com")
    client.get("/signin")
    before = client.get_cookie("__Host-recovery_csrf").value
    people.sign_in("ada@example.com")
    assert client.get_cookie("__Host-recovery_csrf").value != before


@pytest.mark.parametrize("target, expected", [
    ("/staff/?email=x", "/staff/?email=x"),
    ("https://evil.example/", "/security"),
    ("//evil.example/", "/security"),
    ("/\\evil.example", "/security"),
    ("javascript:alert(1)", "/security"),
])
def test_signin_next_only_redirects_to_local_paths(client, people, target, expected):
    people.user("ada@example.com")
    response = people.sign_in("ada@example.com", next=target)
    assert response.headers["Location"] == expected


def test_signin_page_without_csrf_token_answers_400(client, people):
    people.user("ada@example.com")
    response = client.post("/signin", data={"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get_cookie(COOKIE) is None


def test_signin_rehashes_when_argon2_parameters_change(make_app, app_config):
    app = make_app(argon2_memory_cost=512, argon2_time_cost=2)  # stronger than the hash on file
    with app.app_context(), runtime(app).db.transaction() as session:
        old = PasswordHasher(time_cost=app_config["argon2_time_cost"], memory_cost=app_config["argon2_memory_cost"],
                             parallelism=1, max_concurrent=1).hash(PASSWORD)
        session.add(User(email="ada@example.com", password_hash=old, password_changed_at=NOW, role="user",
                         status="active", locale="en", created_at=NOW, email_verified_at=NOW))
    response = app.test_client().post("/api/v1/sessions", json={"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 201
    with app.app_context():
        session = runtime(app).db.new_session()
        user = session.scalar(select(User).where(User.email == "ada@example.com"))
        assert user.password_hash != old and "m=512,t=2" in user.password_hash
        assert session.scalars(select(SecurityEvent).where(SecurityEvent.type == "account.password.rehashed")).all()
        session.close()


def test_signout_ends_the_session_and_clears_the_cookie(client, people):
    user_id = people.user("ada@example.com")
    people.sign_in("ada@example.com")
    response = people.post_form("/signout")
    assert response.status_code == 302
    assert client.get_cookie(COOKIE) is None
    [session] = people.sessions_of(user_id)
    assert session.revoked_reason == "signed_out"


def test_signout_without_csrf_token_answers_400_and_keeps_the_session(client, people):
    user_id = people.user("ada@example.com")
    people.sign_in("ada@example.com")
    assert client.post("/signout").status_code == 400
    assert people.sessions_of(user_id)[0].revoked_at is None


def test_signin_api_answers_201_with_a_bearer_token_for_an_api_session(client, people):
    user_id = people.user("ada@example.com")
    response = api_signin(client, PASSWORD, ip="10.0.0.1", email="ADA@example.com")
    body = response.get_json()
    assert response.status_code == 201
    assert len(body["session_token"]) >= 43
    assert body["session"]["kind"] == "api" and body["session"]["current"] is False
    [session] = people.rows(UserSession, user_id=user_id)
    assert body["session_token"] not in session.token_digest
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['session_token']}"})
    assert me.get_json()["email"] == "ada@example.com"


def test_api_token_does_not_work_as_a_browser_cookie(client, people):
    people.user("ada@example.com")
    token = people.token("ada@example.com")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_signin_with_a_changed_password_uses_the_new_one(client, people):
    people.user("ada@example.com")
    people.sign_in("ada@example.com")
    people.post_form("/security/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert api_signin(client, PASSWORD, ip="10.0.0.1", email="ada@example.com").status_code == 401
    assert api_signin(client, NEW_PASSWORD, ip="10.0.0.1", email="ada@example.com").status_code == 201
