"""Email verification: an 8-digit code, 30 minutes, five wrong tries, single use, the same error for every failure."""

from __future__ import annotations

from helpers.mail import code_in
from helpers.people import PASSWORD

from recovery.accounts.models import EmailVerification, User

INVALID = "This link or code is invalid or has expired."


def _sign_up(client, outbox, email="ada@example.com") -> str:
    client.post("/api/v1/accounts", json={"email": email, "password": PASSWORD})
    return code_in(outbox(to=email, template="verify_email")[-1])


def _verify(client, code, email="ada@example.com", password=PASSWORD):
    return client.post("/api/v1/accounts/verify", json={"email": email, "code": code, "password": password})


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**8:08d}"


def test_verify_right_code_marks_the_address_verified(client, outbox, people, clock):
    code = _sign_up(client, outbox)
    response = _verify(client, code)
    assert response.status_code == 200
    assert response.get_json() == {"status": "verified", "email": "ada@example.com"}
    [user] = people.rows(User, email="ada@example.com")
    assert user.email_verified_at == clock.now()
    assert people.events("account.email.verified", user.id)


def test_verify_code_is_stored_only_as_a_digest(client, outbox, people):
    code = _sign_up(client, outbox)
    [row] = people.rows(EmailVerification)
    assert code not in row.code_digest and len(row.code_digest) == 64


def test_verify_wrong_code_answers_400_and_counts_the_attempt(client, outbox, people):
    code = _sign_up(client, outbox)
    response = _verify(client, _wrong(code))
    assert response.status_code == 400
    assert response.get_json()["error"] == {"code": "token_invalid", "message": INVALID, "fields": {}}
    assert people.rows(EmailVerification)[0].attempts == 1
    assert people.events("account.email.verification_failed")


def test_verify_unknown_address_answers_exactly_like_a_wrong_code(client, outbox):
    code = _sign_up(client, outbox)
    wrong = _verify(client, _wrong(code))
    unknown = _verify(client, code, email="nobody@example.com")
    assert (unknown.status_code, unknown.get_data()) == (wrong.status_code, wrong.get_data())


def test_verify_expired_code_is_refused(client, outbox, clock):
    code = _sign_up(client, outbox)
    clock.advance(minutes=31)
    assert _verify(client, code).status_code == 400


def test_verify_code_just_inside_its_lifetime_works(client, outbox, clock):
    code = _sign_up(client, outbox)
    clock.advance(minutes=29)
    assert _verify(client, code).status_code == 200


def test_verify_after_five_wrong_codes_even_the_right_one_fails(client, outbox, people):
    code = _sign_up(client, outbox)
    for _ in range(5):
        assert _verify(client, _wrong(code)).status_code == 400
    assert _verify(client, code).status_code == 400
    assert people.rows(User, email="ada@example.com")[0].email_verified_at is None


def test_verify_code_used_twice_fails_the_second_time(client, outbox):
    code = _sign_up(client, outbox)
    assert _verify(client, code).status_code == 200
    assert _verify(client, code).status_code == 400


def test_verify_malformed_code_is_just_a_wrong_code(client, outbox):
    _sign_up(client, outbox)
    response = _verify(client, "١٢٣٤٥٦٧٨")  # Arabic-Indic digits are not accepted as a code
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "token_invalid"


def test_verify_code_with_spaces_is_accepted(client, outbox):
    code = _sign_up(client, outbox)
    assert _verify(client, f"{code[:4]} {code[4:]}").status_code == 200


def test_resend_issues_a_new_code_and_retires_the_old_one(client, outbox, clock):
    old = _sign_up(client, outbox)
    clock.advance(minutes=2)
    response = client.post("/api/v1/accounts/verify/resend", json={"email": "ada@example.com"})
    assert response.status_code == 202
    new = code_in(outbox(to="ada@example.com", template="verify_email")[-1])
    assert new != old
    assert _verify(client, old).status_code == 400
    assert _verify(client, new).status_code == 200


def test_resend_within_a_minute_sends_nothing_more(client, outbox):
    _sign_up(client, outbox)
    client.post("/api/v1/accounts/verify/resend", json={"email": "ada@example.com"})
    assert len(outbox(to="ada@example.com")) == 1


def test_resend_answers_the_same_for_unknown_and_verified_addresses(client, outbox, people):
    people.user("ada@example.com")
    known = client.post("/api/v1/accounts/verify/resend", json={"email": "ada@example.com"})
    unknown = client.post("/api/v1/accounts/verify/resend", json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.get_data() == unknown.get_data()
    assert len(outbox(template="verify_email")) == 1  # only the one sent at sign-up


def test_verify_page_link_shows_a_button_and_consumes_nothing(client, outbox, people):
    code = _sign_up(client, outbox)
    response = client.get(f"/verify-email?email=ada@example.com&code={code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert f'name="code" value="{code}"' in html and "Verify my email address" in html
    assert people.rows(User, email="ada@example.com")[0].email_verified_at is None
    assert people.rows(EmailVerification)[0].used_at is None


def test_verify_page_post_verifies_and_sends_to_sign_in(client, outbox, people, csrf):
    code = _sign_up(client, outbox)
    response = client.post("/verify-email", data={"csrf_token": csrf("/verify-email"), "email": "ada@example.com",
                                                  "code": code, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin?email=ada")
    assert people.rows(User, email="ada@example.com")[0].email_verified_at is not None


def test_verify_page_wrong_code_rerenders_the_form_without_the_code(client, outbox, csrf):
    code = _sign_up(client, outbox)
    response = client.post("/verify-email", data={"csrf_token": csrf("/verify-email"), "email": "ada@example.com",
                                                  "code": _wrong(code), "password": PASSWORD})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and INVALID in html
    assert _wrong(code) not in html


def test_verify_page_wrong_attempts_count_too(client, outbox, csrf, people):
    code = _sign_up(client, outbox)
    token = csrf("/verify-email")
    for _ in range(2):
        client.post("/verify-email", data={"csrf_token": token, "email": "ada@example.com", "code": _wrong(code),
                                           "password": PASSWORD})
    assert people.rows(EmailVerification)[0].attempts == 2


def test_resend_page_redirects_with_a_neutral_notice(client, csrf):
    response = client.post("/verify-email/resend", data={"csrf_token": csrf("/verify-email"),
                                                         "email": "nobody@example.com"})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "If that address is waiting to be verified" in html
