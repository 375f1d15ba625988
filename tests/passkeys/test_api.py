"""The passkeys JSON API end to end with a software authenticator: register (bearer token, recent sign-in), list,
rename, remove; sign in without a password; a passkey as the second factor after a password."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers.passkeys import SoftAuthenticator
from helpers.people import ADA, PASSWORD
from helpers.signin import api_signin

from recovery.accounts.models import User
from recovery.events.models import SecurityEvent
from recovery.passkeys.models import Passkey
from recovery.sessions.models import UserSession


@pytest.fixture
def key() -> SoftAuthenticator:
    return SoftAuthenticator()


def _register(client, headers, key, name="Phone") -> dict:
    options = client.post("/api/v1/passkeys/registration-options", headers=headers)
    assert options.status_code == 200, options.get_json()
    body = options.get_json()
    assert body["options"]["rp"]["id"] == "recovery.example.test"
    assert body["options"]["attestation"] == "none"
    assert body["options"]["authenticatorSelection"]["residentKey"] == "required"
    answer = key.register(body["options"])
    return client.post("/api/v1/passkeys", headers=headers,
                       json={"flow": body["flow"], "credential": answer, "name": name})


def _sign_in_with(client, key, **bend):
    options = client.post("/api/v1/passkeys/authentication-options", json={}).get_json()
    return client.post("/api/v1/sessions/passkey", environ_base={"REMOTE_ADDR": "198.51.100.7"},
                       json={"flow": options["flow"], "credential": key.assert_(options["options"], **bend)})


def test_register_list_rename_and_remove(client, people, ada, key, outbox):
    headers = people.headers(ada)
    created = _register(client, headers, key)
    assert created.status_code == 201, created.get_json()
    passkey = created.get_json()
    assert passkey["name"] == "Phone" and passkey["user_verified"] is True
    listed = client.get("/api/v1/passkeys", headers=headers).get_json()["passkeys"]
    assert [p["id"] for p in listed] == [passkey["id"]]
    renamed = client.patch(f"/api/v1/passkeys/{passkey['id']}", headers=headers, json={"name": "Work phone"})
    assert renamed.get_json()["name"] == "Work phone"
    assert client.delete(f"/api/v1/passkeys/{passkey['id']}", headers=headers).status_code == 204
    assert people.rows(Passkey, user_id=ada) == []
    assert people.rows(User, id=ada)[0].second_factor_at is None  # no factor left
    assert [m.payload["subject"] for m in outbox(to=ADA, template="passkey_changed")] == [
        "A passkey was added to your account", "A passkey on your account was renamed",
        "A passkey was removed from your account"]


def test_a_rename_tells_every_address_the_old_and_new_name_and_is_recorded(client, people, ada, key, outbox):
    """A new name can disguise a passkey someone else added: the holder hears of it, like an add or a removal."""
    headers = people.headers(ada)
    passkey = _register(client, headers, key).get_json()
    renamed = client.patch(f"/api/v1/passkeys/{passkey['id']}", headers=headers, json={"name": "Work phone"})
    assert renamed.status_code == 200
    [mail] = [m for m in outbox(to=ADA, template="passkey_changed") if "renamed" in m.payload["subject"]]
    assert mail.payload["subject"] == "A passkey on your account was renamed"
    assert 'The passkey named "Phone" on your account' in mail.payload["text"]
    assert 'was renamed "Work phone"' in mail.payload["text"]
    [event] = people.rows(SecurityEvent, SecurityEvent.user_id == ada, SecurityEvent.type == "passkey.renamed")
    assert event.details["old"] == "Phone" and event.details["name"] == "Work phone"


def test_renames_share_the_passkey_change_limit(client, people, ada, key):
    headers = people.headers(ada)
    passkey = _register(client, headers, key).get_json()  # one of the 20 changes an hour
    answers = [client.patch(f"/api/v1/passkeys/{passkey['id']}", headers=headers, json={"name": f"Key {n}"}).status_code
               for n in range(20)]
    assert answers == [200] * 19 + [429]


def test_registration_needs_a_recent_sign_in(client, people, ada, key, clock):
    headers = people.headers(ada)
    clock.advance(timedelta(minutes=30))
    answer = client.post("/api/v1/passkeys/registration-options", headers=headers)
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "reauthentication_required"


def test_another_accounts_passkey_is_not_found(client, people, ada, key):
    assert _register(client, people.headers(ada), key).status_code == 201
    [row] = people.rows(Passkey, user_id=ada)
    other = people.headers(people.add("bob@example.com"))
    assert client.patch(f"/api/v1/passkeys/{row.id}", headers=other, json={"name": "x"}).status_code == 404
    assert client.delete(f"/api/v1/passkeys/{row.id}", headers=other).status_code == 404


def test_passwordless_sign_in_counts_as_both_factors(client, people, ada, key):
    assert _register(client, people.headers(ada), key).status_code == 201
    answer = _sign_in_with(client, key)
    assert answer.status_code == 201, answer.get_json()
    token = answer.get_json()["session_token"]
    sessions = [s for s in people.rows(UserSession, user_id=ada) if s.mfa_passed]
    assert token and len(sessions) == 1  # the passkey's (the registering session began without a factor)
    assert people.rows(SecurityEvent, type="passkey.used", user_id=ada)


def test_passwordless_sign_in_without_user_verification_is_refused(client, people, ada, key):
    assert _register(client, people.headers(ada), key).status_code == 201
    answer = _sign_in_with(client, key, uv=False)
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "passkey_invalid"
    assert [e.details["reason"] for e in people.rows(SecurityEvent, type="passkey.failed")] == ["user_verification"]


def test_authentication_options_do_not_depend_on_the_email(client, people, ada, key):
    assert _register(client, people.headers(ada), key).status_code == 201
    known = client.post("/api/v1/passkeys/authentication-options", json={"email": ADA}).get_json()
    unknown = client.post("/api/v1/passkeys/authentication-options", json={"email": "nobody@example.com"}).get_json()
    assert set(known) == set(unknown) == {"options", "flow"}
    for body in (known, unknown):
        body["options"].pop("challenge")
    assert known["options"] == unknown["options"]


def test_a_passkey_is_the_second_factor_after_a_password(client, people, ada, key):
    assert _register(client, people.headers(ada), key).status_code == 201
    pending = api_signin(client, PASSWORD).get_json()
    assert pending["mfa_required"] is True
    options = client.post("/api/v1/passkeys/authentication-options").get_json()
    done = client.post("/api/v1/sessions/mfa", json={"mfa_token": pending["mfa_token"], "flow": options["flow"],
                                                     "credential": key.assert_(options["options"])})
    assert done.status_code == 201, done.get_json()
    [event] = people.rows(SecurityEvent, type="mfa.challenge.passed", user_id=ada)
    assert event.details["method"] == "passkey"


def test_a_cloned_passkey_as_second_factor_is_refused_and_recorded(client, people, ada, key):
    assert _register(client, people.headers(ada), key).status_code == 201
    with people.services() as ctx:
        ctx.session.query(Passkey).filter_by(user_id=ada).one().sign_count = 50
    pending = api_signin(client, PASSWORD).get_json()
    options = client.post("/api/v1/passkeys/authentication-options").get_json()
    refused = client.post("/api/v1/sessions/mfa", json={"mfa_token": pending["mfa_token"], "flow": options["flow"],
                                                        "credential": key.assert_(options["options"])})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "second_factor_invalid"
    assert people.rows(SecurityEvent, type="passkey.counter_regressed", user_id=ada)


@pytest.mark.parametrize("body", [{"mfa_token": "x"}, {"mfa_token": "x", "code": "123456", "flow": "f"},
                                  {"mfa_token": "x", "flow": "f"}, {"mfa_token": "x", "flow": "f", "credential": 3}])
def test_the_second_factor_body_takes_a_code_or_a_passkey(client, body):
    answer = client.post("/api/v1/sessions/mfa", json=body)
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "validation_failed"
