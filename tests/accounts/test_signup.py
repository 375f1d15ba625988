"""Sign-up: validation with reasons, the same answer for a taken address, a code emailed in the user's language."""

from __future__ import annotations

import pytest
from helpers.mail import code_in
from helpers.people import PASSWORD, long_password

from recovery.accounts.models import User


@pytest.mark.parametrize("body, field, message", [
    ({"email": "ada@example.com", "password": "too short"}, "password", "Use at least 15 characters."),
    ({"email": "ada@example.com", "password": "password1234567890"}, "password",
     "This password is too common: it appears in lists of leaked passwords. Choose another."),
    ({"email": "maria.gonzalez@example.com", "password": "maria.gonzalez1990!"}, "password",
     "Do not build your password from your email address or this service's name."),
    ({"email": "ada@example.com", "password": "x7#" * 90}, "password", "Use at most 256 characters."),
    ({"email": "not an address", "password": PASSWORD}, "email", "Enter a valid email address."),
    ({"email": "a" * 250 + "@example.com", "password": PASSWORD}, "email", "This email address is too long."),
    ({"password": PASSWORD}, "email", "Missing data for required field."),
    ({"email": "ada@example.com"}, "password", "Missing data for required field."),
])
def test_signup_api_invalid_input_answers_400_with_the_reason(client, outbox, body, field, message):
    response = client.post("/api/v1/accounts", json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert error["fields"][field] == [message]
    assert outbox() == []


def test_signup_api_reports_every_wrong_field_at_once(client):
    response = client.post("/api/v1/accounts", json={"email": "nope", "password": "short"})
    assert set(response.get_json()["error"]["fields"]) == {"email", "password"}


def test_signup_api_non_json_body_answers_415(client):
    response = client.post("/api/v1/accounts", data="email=a", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


def test_signup_api_wrong_types_answer_400_not_500(client):
    response = client.post("/api/v1/accounts", json={"email": ["a"], "password": 12})
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"email", "password"}


def test_signup_api_too_short_password_is_explained_in_chinese(client):
    response = client.post("/api/v1/accounts", json={"email": "ada@example.com", "password": "short"},
                           headers={"Accept-Language": "zh-CN"})
    assert response.get_json()["error"]["fields"]["password"] == ["请至少使用 15 个字符。"]


def test_signup_api_new_address_creates_unverified_account_and_emails_a_code(client, people, outbox):
    response = client.post("/api/v1/accounts", json={"email": " Ada@Example.COM ", "password": PASSWORD})
    assert response.status_code == 202
    assert response.get_json()["status"] == "accepted"
    [user] = people.rows(User, email="ada@example.com")
    assert user.email_verified_at is None and user.role == "user" and user.status == "active"
    assert user.password_hash.startswith("$argon2id$")
    [message] = outbox(to="ada@example.com")
    assert message.template == "verify_email"
    assert f"https://recovery.example.test/verify-email?email=ada@example.com&code={code_in(message)}" in \
        message.payload["text"]


def test_signup_api_taken_address_answers_exactly_the_same(client, people, outbox):
    people.user("ada@example.com")
    taken = client.post("/api/v1/accounts", json={"email": "ada@example.com", "password": "another long passphrase"})
    fresh = client.post("/api/v1/accounts", json={"email": "bob@example.com", "password": PASSWORD})
    assert (taken.status_code, taken.get_data()) == (fresh.status_code, fresh.get_data())
    assert _comparable(taken.headers) == _comparable(fresh.headers)
    assert [m.template for m in outbox(to="ada@example.com")][-1] == "signup_existing"
    assert len(people.rows(User, email="ada@example.com")) == 1


def _comparable(headers) -> dict:
    # The limit counters differ by design (per address), and Retry-After counts down the limiter's window on
    # the wall clock (one second passes between the two requests now and then); the rest matches byte for byte.
    return {k: v for k, v in headers.items()
            if not k.startswith("X-RateLimit") and k not in ("Retry-After", "X-Request-ID")}


def test_signup_api_taken_address_spends_the_same_argon2_work(client, people, app):
    people.user("ada@example.com")
    hasher = app.extensions["recovery"].passwords
    calls = []
    original = hasher.hash
    hasher.hash = lambda password: calls.append(1) or original(password)
    client.post("/api/v1/accounts", json={"email": "ada@example.com", "password": PASSWORD})
    client.post("/api/v1/accounts", json={"email": "bob@example.com", "password": PASSWORD})
    assert calls == [1, 1]


def test_signup_page_renders_the_form_with_the_length_rule(client):
    html = client.get("/signup").get_data(as_text=True)
    assert 'name="password"' in html and "At least 15 characters" in html


def test_signup_page_invalid_input_rerenders_the_form_with_messages(client, csrf):
    response = client.post("/signup", data={"csrf_token": csrf("/signup"), "email": "ada@example.com",
                                            "password": "short"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Use at least 15 characters." in html
    assert 'value="ada@example.com"' in html
    assert 'value="short"' not in html


def test_signup_page_missing_csrf_token_answers_400(client, outbox):
    response = client.post("/signup", data={"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert outbox() == []


def test_signup_page_same_page_for_new_and_taken_address(client, people, csrf):
    people.user("ada@example.com")
    token = csrf("/signup")
    taken = client.post("/signup", data={"csrf_token": token, "email": "ada@example.com", "password": PASSWORD})
    people.user("bob@example.com")
    fresh = client.post("/signup", data={"csrf_token": token, "email": "carl@example.com", "password": PASSWORD})
    assert taken.status_code == fresh.status_code == 200
    assert taken.get_data(as_text=True).replace("ada@", "carl@") == fresh.get_data(as_text=True)
    assert "Check your email" in fresh.get_data(as_text=True)


def test_signup_records_the_browser_language_for_emails(client, people, outbox):
    client.post("/api/v1/accounts", json={"email": "li@example.com", "password": PASSWORD},
                headers={"Accept-Language": "zh-CN"})
    [user] = people.rows(User, email="li@example.com")
    assert user.locale == "zh_Hans"
    [message] = outbox(to="li@example.com")
    assert "验证码" in message.payload["subject"]


def test_signup_api_is_rate_limited_per_address(make_app):
    client = make_app(signup_limits="2 per hour").test_client()
    for n in range(2):
        client.post("/api/v1/accounts", json={"email": "ada@example.com", "password": PASSWORD},
                    environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
    response = client.post("/api/v1/accounts", json={"email": "ADA@example.com", "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize("length", [72, 73, 100, 256])
def test_signup_api_password_of_any_allowed_length_is_accepted(client, people, length):
    """zxcvbn 4.5 raised ValueError past 72 characters: every length from 73 to the maximum answered 500."""
    response = client.post("/api/v1/accounts", json={"email": "ada@example.com", "password": long_password(length)})
    assert response.status_code == 202
    assert people.rows(User, email="ada@example.com")


@pytest.mark.parametrize("length", [73, 256])
def test_signup_page_password_of_any_allowed_length_is_accepted(client, people, csrf, length):
    response = client.post("/signup", data={"csrf_token": csrf("/signup"), "email": "ada@example.com",
                                            "password": long_password(length)})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    assert people.rows(User, email="ada@example.com")


def test_signup_api_password_over_the_maximum_is_refused_with_the_reason(client, people):
    response = client.post("/api/v1/accounts", json={"email": "ada@example.com", "password": long_password(257)})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"]["password"] == ["Use at most 256 characters."]
    assert not people.rows(User, email="ada@example.com")
