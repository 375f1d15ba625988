"""A passkey in detection's decision: where detection would step a sign-in up (here: every sign-in scores above
the step-up line), a password followed by a passkey is not stepped up again, and a passkey alone is not either;
a password-only account gets the emailed code."""

from __future__ import annotations

from functools import partial

import pytest
from helpers.database import unit_of_work
from helpers.passkeys import SoftAuthenticator
from helpers.people import ADA, PASSWORD, People
from helpers.signin import api_signin

from recovery.events.models import SecurityEvent


@pytest.fixture
def wary(make_app):
    """An app whose detection asks for a step-up at any score: every sign-in is 'unusual'."""
    app = make_app(detection_notify_score=0, detection_step_up_score=0)
    client = app.test_client()
    return client, People(app, partial(unit_of_work, app), client)


def _with_passkey(client, people) -> SoftAuthenticator:
    ada, key = people.add(ADA), SoftAuthenticator()
    headers = people.headers(ada)
    body = client.post("/api/v1/passkeys/registration-options", headers=headers).get_json()
    assert client.post("/api/v1/passkeys", headers=headers, json={
        "flow": body["flow"], "credential": key.register(body["options"]), "name": "k"}).status_code == 201
    return key


def _options(client) -> dict:
    return client.post("/api/v1/passkeys/authentication-options").get_json()


def test_a_password_only_account_is_stepped_up(wary):
    client, people = wary
    people.add(ADA)
    answer = api_signin(client, PASSWORD)
    assert answer.status_code == 202 and answer.get_json()["step_up_required"] is True


def test_a_password_then_a_passkey_is_not_stepped_up_again(wary):
    client, people = wary
    key = _with_passkey(client, people)
    pending = api_signin(client, PASSWORD).get_json()
    assert pending["mfa_required"] is True
    options = _options(client)
    answer = client.post("/api/v1/sessions/mfa", json={"mfa_token": pending["mfa_token"], "flow": options["flow"],
                                                       "credential": key.assert_(options["options"])})
    assert answer.status_code == 201 and "session_token" in answer.get_json()


def test_a_passkey_alone_is_scored_but_not_stepped_up(wary):
    client, people = wary
    key = _with_passkey(client, people)
    options = _options(client)
    answer = client.post("/api/v1/sessions/passkey", json={"flow": options["flow"],
                                                           "credential": key.assert_(options["options"])})
    assert answer.status_code == 201
    assert people.rows(SecurityEvent, type="detection.signin.step_up")  # detection scored it all the same
