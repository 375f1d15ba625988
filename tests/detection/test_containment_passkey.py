"""The containment reset link for an owner whose second factor is a passkey (security review H2): the page offers
the passkey (options bound to the live link's account) and asks no 6-digit code when the passkey is the only
factor; the form takes the passkey's answer; an account with an app as well is offered both."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta

from helpers.csrf import csrf_from
from helpers.passkeys import SoftAuthenticator
from helpers.people import ADA
from helpers.phone import enroll_totp

from recovery.accounts.models import User
from recovery.detection.containment import secure_account
from recovery.sessions.models import UserSession

NEW_PASSWORD = "copper lantern drifts over seven quiet hills"
LINK = re.compile(r"https://recovery\.example\.test(/secure-account/password/[^\s\"<>]+)")
CODE_LABEL = "Two-step verification code"


def _owner_with_passkey(client, people, ada, services, clock, key) -> None:
    """The owner registered a passkey long ago (signed out since), so containment keeps it."""
    headers = people.headers(ada)
    body = client.post("/api/v1/passkeys/registration-options", headers=headers).get_json()
    assert client.post("/api/v1/passkeys", headers=headers, json={
        "flow": body["flow"], "credential": key.register(body["options"]), "name": "Laptop"}).status_code == 201
    with services() as ctx:
        for session in ctx.session.query(UserSession).filter_by(user_id=ada):
            session.revoked_at = ctx.clock.now()
    clock.advance(timedelta(days=2))


def _secured_page(client, services, ada, outbox):
    with services() as ctx:
        secure_account(ctx, ctx.session.get(User, ada), source="email_button")
    [mail] = outbox(to=ADA, template="account_secured")
    path = LINK.search(mail.payload.get("text") or str(mail.payload)).group(1)
    page = client.get(path)
    assert page.status_code == 200
    return path, page.get_data(as_text=True)


def _options(client, path, html):
    return client.post(f"{path}/passkey-options", json={}, headers={"X-CSRF-Token": csrf_from(html)})


def test_a_passkey_only_owner_sets_the_password_with_the_passkey(client, people, ada, services, clock, outbox):
    key = SoftAuthenticator()
    _owner_with_passkey(client, people, ada, services, clock, key)
    path, html = _secured_page(client, services, ada, outbox)
    assert CODE_LABEL not in html  # no app, so no 6-digit code is asked
    assert f'data-passkey-options="{path}/passkey-options"' in html

    refused = client.post(path, data={"csrf_token": csrf_from(html), "password": NEW_PASSWORD})
    assert refused.status_code == 400  # a second factor is still required: the passkey, not a code
    assert "use it to set the new password" in refused.get_data(as_text=True)
    assert CODE_LABEL not in refused.get_data(as_text=True)

    got = _options(client, path, html)
    assert got.status_code == 200, got.get_data(as_text=True)
    options = got.get_json()
    assert [c["id"] for c in options["options"]["allowCredentials"]] == [
        _b64(key.credential_id)]
    done = client.post(path, data={"csrf_token": csrf_from(html), "password": NEW_PASSWORD, "flow": options["flow"],
                                   "credential": json.dumps(key.assert_(options["options"]))})
    assert done.status_code == 303, done.get_data(as_text=True)
    assert "/appeal/status/" in done.headers["Location"]
    user = people.user(ada)
    assert user.status == "locked"  # the password is the owner's again; the account stays locked
    with services() as ctx:
        assert ctx.passwords.verify(user.password_hash, NEW_PASSWORD)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_another_accounts_passkey_does_not_answer(client, people, ada, services, clock, outbox):
    key = SoftAuthenticator()
    _owner_with_passkey(client, people, ada, services, clock, key)
    other = people.add("grace@example.com")
    other_key = SoftAuthenticator(credential_id=b"\x07" * 16)
    headers = people.headers(other)
    body = client.post("/api/v1/passkeys/registration-options", headers=headers).get_json()
    client.post("/api/v1/passkeys", headers=headers, json={
        "flow": body["flow"], "credential": other_key.register(body["options"]), "name": "Grace"})
    path, html = _secured_page(client, services, ada, outbox)
    options = _options(client, path, html).get_json()
    wrong = client.post(path, data={"csrf_token": csrf_from(html), "password": NEW_PASSWORD, "flow": options["flow"],
                                    "credential": json.dumps(other_key.assert_(options["options"]))})
    assert wrong.status_code == 400
    assert "That passkey could not confirm it is you" in wrong.get_data(as_text=True)
    assert "data-passkey-options" in wrong.get_data(as_text=True)  # the link still works: the form again
    with services() as ctx:
        assert not ctx.passwords.verify(people.user(ada).password_hash, NEW_PASSWORD)  # nothing changed


def test_the_options_need_the_csrf_token_and_a_live_link(client, people, ada, services, clock, outbox):
    key = SoftAuthenticator()
    _owner_with_passkey(client, people, ada, services, clock, key)
    path, html = _secured_page(client, services, ada, outbox)
    assert client.post(f"{path}/passkey-options", json={}).status_code == 400
    dead = _options(client, "/secure-account/password/not-a-token", html)
    assert dead.status_code in (400, 404, 410), dead.status_code


def test_an_owner_with_an_app_and_a_passkey_is_offered_both(client, people, ada, services, clock, outbox):
    key = SoftAuthenticator()
    with services() as ctx:
        enroll_totp(ctx, ctx.session.get(User, ada))
    _owner_with_passkey(client, people, ada, services, clock, key)
    _path, html = _secured_page(client, services, ada, outbox)
    assert CODE_LABEL in html and "data-passkey-options" in html


def test_an_owner_without_a_passkey_is_offered_none(client, people, ada, services, clock, outbox):
    with services() as ctx:
        enroll_totp(ctx, ctx.session.get(User, ada))
    with services() as ctx:
        for session in ctx.session.query(UserSession).filter_by(user_id=ada):
            session.revoked_at = ctx.clock.now()
    clock.advance(timedelta(days=2))
    _path, html = _secured_page(client, services, ada, outbox)
    assert CODE_LABEL in html and "data-passkey-options" not in html
