"""The passkey pages without a browser: the security page's add form behind re-authentication, the options and
the answer through the form, the last-factor warning, and the second-factor page offering a passkey only to an
account that holds one."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from helpers.passkeys import SoftAuthenticator
from helpers.people import ADA, PASSWORD
from helpers.phone import enroll_totp
from helpers.signin import api_signin

from recovery.accounts.models import User
from recovery.passkeys.models import Passkey


@pytest.fixture
def key() -> SoftAuthenticator:
    return SoftAuthenticator()


def _add(client, csrf, key, name="Laptop"):
    token = csrf("/security/passkeys/new")
    got = client.post("/security/passkeys/options", json={}, headers={"X-CSRF-Token": token})
    assert got.status_code == 200, got.get_data(as_text=True)
    body = got.get_json()
    return client.post("/security/passkeys", data={"csrf_token": token, "flow": body["flow"], "name": name,
                                                   "credential": json.dumps(key.register(body["options"]))})


def test_the_add_page_needs_a_recent_sign_in(client, people, ada, clock):
    people.sign_in(ada)
    clock.advance(timedelta(minutes=30))
    answer = client.get("/security/passkeys/new")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/reauthenticate")


def test_a_passkey_added_through_the_form_is_listed(client, people, ada, csrf, key):
    people.sign_in(ada)
    answer = _add(client, csrf, key)
    assert answer.status_code == 302 and answer.headers["Location"] == "/security"
    page = client.get("/security").get_data(as_text=True)
    assert "Laptop" in page and "Not used yet" in page


def test_options_need_the_csrf_token(client, people, ada):
    people.sign_in(ada)
    assert client.post("/security/passkeys/options", json={}).status_code == 400


def test_an_answer_that_is_not_json_is_refused_on_the_form(client, people, ada, csrf):
    people.sign_in(ada)
    token = csrf("/security/passkeys/new")
    answer = client.post("/security/passkeys", data={"csrf_token": token, "flow": "x", "credential": "{not json",
                                                     "name": "x"})
    assert answer.status_code == 400 and "could not be read" in answer.get_data(as_text=True)
    assert people.rows(Passkey) == []


def test_removing_the_last_factor_warns_first(client, people, ada, csrf, key):
    people.sign_in(ada)
    _add(client, csrf, key)
    [passkey] = people.rows(Passkey)
    page = client.get(f"/security/passkeys/{passkey.id}/remove").get_data(as_text=True)
    assert 'id="last-factor"' in page


def test_removing_one_of_two_passkeys_does_not_warn(client, people, ada, csrf, key):
    people.sign_in(ada)
    _add(client, csrf, key)
    _add(client, csrf, SoftAuthenticator(credential_id=b"\x09" * 16), "Phone")
    first = people.rows(Passkey)[0]
    assert 'id="last-factor"' not in client.get(f"/security/passkeys/{first.id}/remove").get_data(as_text=True)


def test_another_accounts_passkey_pages_are_not_found(client, people, ada, csrf, key):
    people.sign_in(ada)
    _add(client, csrf, key)
    [passkey] = people.rows(Passkey)
    people.sign_in(people.add("bob@example.com"))
    assert client.get(f"/security/passkeys/{passkey.id}/rename").status_code == 404
    assert client.get(f"/security/passkeys/{passkey.id}/remove").status_code == 404


def test_the_second_factor_page_offers_a_passkey_only_when_the_account_holds_one(client, people, ada, csrf, key):
    people.sign_in(ada)
    _add(client, csrf, key)
    client.post("/signout", data={"csrf_token": csrf("/security")})
    page = _password_then_second_factor_page(client, csrf)
    assert "Use a passkey" in page
    # A passkey-only account has no authenticator app: it is not asked for a 6-digit code it cannot give.
    assert "6-digit code" not in page and 'name="code"' not in page and "confirm with your passkey" in page


def test_an_account_with_an_app_and_a_passkey_is_offered_both(client, people, ada, csrf, key, services):
    people.sign_in(ada)
    _add(client, csrf, key)
    client.post("/signout", data={"csrf_token": csrf("/security")})
    with services() as ctx:
        enroll_totp(ctx, ctx.session.get(User, ada))
    page = _password_then_second_factor_page(client, csrf)
    assert "6-digit code" in page and 'name="code"' in page and "Use a passkey" in page


def test_the_second_factor_page_offers_no_passkey_to_a_totp_only_account(client, people, ada, csrf, services):
    with services() as ctx:
        enroll_totp(ctx, ctx.session.get(User, ada))
    assert "Use a passkey" not in _password_then_second_factor_page(client, csrf)


def _password_then_second_factor_page(client, csrf) -> str:
    token = csrf("/signin")
    answer = client.post("/signin", data={"csrf_token": token, "email": ADA, "password": PASSWORD})
    assert answer.status_code == 302 and "/signin/second-factor" in answer.headers["Location"]
    return client.get("/signin/second-factor").get_data(as_text=True)


def test_the_api_sign_in_with_a_passkey_only_account_asks_for_the_second_factor(client, people, ada, key):
    headers = people.headers(ada)
    body = client.post("/api/v1/passkeys/registration-options", headers=headers).get_json()
    client.post("/api/v1/passkeys", headers=headers, json={"flow": body["flow"], "credential":
                                                           key.register(body["options"]), "name": "k"})
    assert api_signin(client, PASSWORD).get_json()["mfa_required"] is True
