"""The security page: account and status, notification addresses, sessions, events, password change, re-auth."""

from __future__ import annotations

from html import unescape
from urllib.parse import unquote

import pytest
from helpers.csrf import csrf_from
from helpers.mail import code_in
from helpers.people import NEW_PASSWORD, PASSWORD, Accounts, long_password

from recovery.accounts.models import ContactAddress


def test_security_page_requires_sign_in(client):
    response = client.get("/security")
    assert response.status_code == 302 and response.headers["Location"].startswith("/signin?next=/security")


def test_security_page_shows_account_sessions_and_events(client, signed_in_ada):
    html = client.get("/security", headers={"User-Agent": "Firefox/140 on Linux"}).get_data(as_text=True)
    assert "ada@example.com" in html and "Active" in html
    assert "This device" in html
    assert "Signed in" in html  # the session.started event
    assert "Sign out everywhere else" in html and 'name="current_password"' in html


def test_security_page_in_chinese(client, signed_in_ada):
    client.get("/language/zh_Hans")
    html = client.get("/security").get_data(as_text=True)
    assert "您已登录的位置" in html and "安全记录" in html and "更改密码" in html


def test_change_password_revokes_other_sessions_and_notifies(client, people, signed_in_ada, outbox, make_app):
    other = people.token("ada@example.com")
    response = people.post_form("/security/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/security").status_code == 200  # this browser stays signed in
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    [notice] = outbox(to="ada@example.com", template="password_changed")
    assert "Your other sessions were signed out." in notice.payload["text"]
    assert people.events("account.password.changed", signed_in_ada)


def test_change_password_wrong_current_password_is_refused_and_recorded(client, people, signed_in_ada):
    response = people.post_form("/security/password", {"current_password": "not it at all, sorry",
                                                       "new_password": NEW_PASSWORD})
    assert response.status_code == 400
    assert "That password is not correct." in response.get_data(as_text=True)
    assert people.events("account.password.confirm_failed", signed_in_ada)
    assert people.get(signed_in_ada).password_hash  # unchanged, and the sign-in still works
    assert people.token("ada@example.com")


def test_change_password_weak_new_password_shows_the_reason(client, people, signed_in_ada):
    response = people.post_form("/security/password", {"current_password": PASSWORD, "new_password": "short"})
    assert response.status_code == 400
    assert "Use at least 15 characters." in response.get_data(as_text=True)


def test_change_password_without_csrf_answers_400(client, signed_in_ada):
    response = client.post("/security/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 400


def test_reauthenticate_then_back_to_the_page_asked_for(client, people, signed_in_ada, clock):
    clock.advance(minutes=11)
    response = client.get("/security/contacts/add")
    assert response.status_code == 302
    assert response.headers["Location"] == "/reauthenticate?next=/security/contacts/add"
    response = people.post_form("/reauthenticate", {"password": PASSWORD, "next": "/security/contacts/add"},
                                page="/reauthenticate")
    assert response.headers["Location"] == "/security/contacts/add"
    assert client.get("/security/contacts/add").status_code == 200
    assert people.events("session.reauthenticated", signed_in_ada)


def test_reauthenticate_wrong_password_stays_on_the_form(client, people, signed_in_ada, clock):
    clock.advance(minutes=11)
    response = people.post_form("/reauthenticate", {"password": "no no no no no no"}, page="/reauthenticate")
    assert response.status_code == 400
    assert client.get("/security/contacts/add").status_code == 302


def _add_contact(people, email="ada.backup@example.org"):
    return people.post_form("/security/contacts/add", {"email": email})


def test_contact_address_flow_adds_verifies_and_then_receives_notices(client, people, signed_in_ada, outbox, clock):
    assert _add_contact(people).status_code == 302  # fresh sign-in counts as a fresh password entry
    [told] = outbox(to="ada@example.com", template="contact_added")
    assert "ada.backup@example.org" in told.payload["text"]
    code = code_in(outbox(to="ada.backup@example.org", template="new_contact_verify")[-1])
    response = people.post_form("/security/contacts/verify", {"email": "ada.backup@example.org", "code": code})
    assert response.status_code == 302
    [contact] = people.rows(ContactAddress, user_id=signed_in_ada)
    assert contact.verified_at is not None
    people.post_form("/security/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    recipients = sorted(m.recipient for m in outbox(template="password_changed"))
    assert recipients == ["ada.backup@example.org", "ada@example.com"]


def test_contact_address_needs_a_fresh_password(client, people, signed_in_ada, clock, outbox):
    clock.advance(minutes=11)
    response = _add_contact(people)
    assert response.status_code == 302 and response.headers["Location"].startswith("/reauthenticate")
    assert outbox(template="new_contact_verify") == []


def test_contact_address_unverified_gets_no_notices(client, people, signed_in_ada, outbox):
    _add_contact(people)
    people.post_form("/security/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert [m.recipient for m in outbox(template="password_changed")] == ["ada@example.com"]


def test_contact_address_wrong_code_is_refused(client, people, signed_in_ada, outbox):
    _add_contact(people)
    code = code_in(outbox(template="new_contact_verify")[-1])
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    response = people.post_form("/security/contacts/verify", {"email": "ada.backup@example.org", "code": wrong})
    assert response.status_code == 400
    assert people.rows(ContactAddress, user_id=signed_in_ada)[0].verified_at is None


@pytest.mark.parametrize("email, message", [
    ("ada@example.com", "This is already your account's email address."),
    ("nonsense", "Enter a valid email address."),
])
def test_contact_address_bad_address_is_explained(client, people, signed_in_ada, email, message):
    response = _add_contact(people, email)
    assert response.status_code == 400 and message in unescape(response.get_data(as_text=True))


def test_contact_address_remove_tells_every_address_including_the_removed_one(client, people, signed_in_ada, outbox):
    _add_contact(people)
    code = code_in(outbox(template="new_contact_verify")[-1])
    people.post_form("/security/contacts/verify", {"email": "ada.backup@example.org", "code": code})
    page = "/security/contacts/remove?email=ada.backup@example.org"
    response = people.post_form("/security/contacts/remove", {"email": "ada.backup@example.org"}, page=page)
    assert response.status_code == 302
    assert people.rows(ContactAddress, user_id=signed_in_ada) == []
    assert sorted(m.recipient for m in outbox(template="contact_removed")) == [
        "ada.backup@example.org", "ada@example.com"]
    assert people.events("account.contact.removed", signed_in_ada)


def test_contact_address_of_someone_else_cannot_be_removed(client, people, signed_in_ada):
    page = "/security/contacts/remove?email=x@example.com"
    assert people.post_form("/security/contacts/remove", {"email": "x@example.com"}, page=page).status_code == 404


def test_security_events_belong_to_the_signed_in_user_only(client, people, signed_in_ada):
    people.user("bob@example.com")
    client.post("/api/v1/sessions", json={"email": "bob@example.com", "password": "wrong wrong wrong"})
    html = client.get("/security").get_data(as_text=True)
    assert "Failed sign-in" not in html


def test_contact_address_remove_after_the_password_goes_stale_comes_back_to_the_same_address(
        client, people, signed_in_ada, outbox, clock):
    _add_contact(people)
    page = "/security/contacts/remove?email=ada.backup@example.org"
    token = csrf_from(client.get(page).get_data(as_text=True))
    clock.advance(minutes=11)
    response = client.post(page, data={"csrf_token": token, "email": "ada.backup@example.org"})
    assert "/reauthenticate?next=/security/contacts/remove?email" in unquote(response.headers["Location"])
    target = people.post_form("/reauthenticate", {"password": PASSWORD, "next": page}, page="/reauthenticate")
    assert target.headers["Location"] == page
    assert "ada.backup@example.org" in client.get(page).get_data(as_text=True)


@pytest.mark.parametrize("length", [73, 100, 256])
def test_change_password_of_any_allowed_length_is_set(client, people, signed_in_ada, length):
    """zxcvbn 4.5 raised ValueError past 72 characters: the change answered 500."""
    response = people.post_form("/security/password", {"current_password": PASSWORD,
                                                       "new_password": long_password(length)})
    assert response.status_code == 302
    assert people.token("ada@example.com", long_password(length))


def test_change_password_every_post_counts_per_account_then_429(make_app):
    """A signed-in session could post changes without end (each two argon2 hashes and an estimate): accepted,
    weak and wrong-current-password posts all count, per account, and the next one waits."""
    people = Accounts.of(make_app(password_change_limits="3 per 15 minutes"))
    people.user("ada@example.com")
    people.user("bob@example.com")
    people.sign_in("ada@example.com")
    tries = [(PASSWORD, NEW_PASSWORD), (NEW_PASSWORD, "short"), ("not it at all, sorry", PASSWORD)]
    answers = [people.post_form("/security/password", {"current_password": current, "new_password": new}).status_code
               for current, new in tries]
    assert answers == [302, 400, 400]
    refused = people.post_form("/security/password", {"current_password": NEW_PASSWORD, "new_password": PASSWORD})
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 15 * 60 + 1  # rounded up
    assert people.token("ada@example.com", NEW_PASSWORD)  # the refused change changed nothing
    other = people.app.test_client()
    people.sign_in("bob@example.com", client=other)
    allowed = people.post_form("/security/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
                               client=other)
    assert allowed.status_code == 302  # another account's changes are its own
