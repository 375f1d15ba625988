"""Staff and passkeys: a passkey satisfies the staff MFA requirement; RECOVERY_STAFF_REQUIRE_PHISHING_RESISTANT
makes one mandatory (a TOTP sign-in no longer counts, staff without a passkey are sent to add one)."""

from __future__ import annotations

from functools import partial

import pytest
from helpers.database import unit_of_work
from helpers.passkeys import SoftAuthenticator
from helpers.people import PASSWORD, People
from helpers.signin import api_signin

from recovery.mfa.models import TotpAuthenticator

PEOPLE = People
AGENT = "agent@example.com"


def _register(client, headers, key) -> None:
    body = client.post("/api/v1/passkeys/registration-options", headers=headers).get_json()
    answer = client.post("/api/v1/passkeys", headers=headers,
                         json={"flow": body["flow"], "credential": key.register(body["options"]), "name": "Key"})
    assert answer.status_code == 201, answer.get_json()


def _passkey_token(client, key) -> str:
    options = client.post("/api/v1/passkeys/authentication-options").get_json()
    answer = client.post("/api/v1/sessions/passkey",
                         json={"flow": options["flow"], "credential": key.assert_(options["options"])})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["session_token"]


def _totp_token(client, people, agent) -> str:
    pending = api_signin(client, PASSWORD, email=AGENT).get_json()
    answer = client.post("/api/v1/sessions/mfa", json={"mfa_token": pending["mfa_token"],
                                                       "code": people.phones[AGENT].code()})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["session_token"]


def _staff_call(client, token: str, agent: int):
    return client.get(f"/api/v1/accounts/{agent}/sessions", headers={"Authorization": f"Bearer {token}"})


def test_a_passkey_alone_satisfies_the_staff_requirement(client, people):
    agent = people.staff(AGENT)
    key = SoftAuthenticator()
    _register(client, people.headers(agent), key)
    with people.services() as ctx:  # the authenticator app goes: the passkey is the agent's only factor
        ctx.session.query(TotpAuthenticator).filter_by(user_id=agent).delete()
    assert _staff_call(client, _passkey_token(client, key), agent).status_code == 200


@pytest.fixture
def strict(make_app):
    """An app whose operator requires passkeys of staff, its client and its people."""
    app = make_app(staff_require_phishing_resistant=True)
    client = app.test_client()
    return app, client, People(app, partial(unit_of_work, app), client)


def test_required_passkeys_refuse_a_totp_sign_in(strict):
    app, client, people = strict
    agent = people.staff(AGENT)
    answer = _staff_call(client, _totp_token(client, people, agent), agent)
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "mfa_enrollment_required"
    _register(client, people.headers(agent), key := SoftAuthenticator())
    answer = _staff_call(client, _totp_token(client, people, agent), agent)  # a code can be phished
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "mfa_session_required"
    assert _staff_call(client, _passkey_token(client, key), agent).status_code == 200


def test_required_passkeys_send_staff_pages_to_add_one(strict):
    app, client, people = strict
    people.sign_in(people.staff(AGENT), client)
    answer = client.get("/staff/")
    assert answer.status_code == 302 and answer.headers["Location"] == "/security/passkeys/new"


def test_staff_cannot_remove_their_last_required_passkey(strict):
    app, client, people = strict
    agent = people.staff(AGENT)
    _register(client, people.headers(agent), key := SoftAuthenticator())
    headers = {"Authorization": f"Bearer {_passkey_token(client, key)}"}
    [passkey] = client.get("/api/v1/passkeys", headers=headers).get_json()["passkeys"]
    answer = client.delete(f"/api/v1/passkeys/{passkey['id']}", headers=headers)
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "mfa_required_for_staff"
