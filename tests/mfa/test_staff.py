"""Staff must enroll MFA before any staff page, and reach staff pages only with a session that passed it."""

from __future__ import annotations

import re

import pyotp
import pytest
from helpers.csrf import csrf_from
from helpers.people import PASSWORD, Accounts
from helpers.phone import enroll_totp

from recovery.accounts.service import get_user


@pytest.fixture
def agent(people) -> int:
    return people.staff("agent@example.com", "agent", mfa=False)


@pytest.mark.parametrize("path", ["/staff/", "/staff/events", "/staff/tickets"])
def test_staff_without_mfa_is_sent_to_enroll(client, people, agent, path):
    people.sign_in("agent@example.com")
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"] == "/security/mfa/setup"
    html = client.get("/security/mfa/setup").get_data(as_text=True)
    assert "Staff accounts need two-step verification." in html


def test_staff_api_without_mfa_answers_403_mfa_enrollment_required(client, people, agent):
    headers = people.bearer("agent@example.com")
    # /api/v1/events searches everyone's events for staff: it is a staff endpoint for a staff member
    for path in ("/api/v1/events", f"/api/v1/accounts/{agent}/sessions"):
        response = client.get(path, headers=headers)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "mfa_enrollment_required"


def test_staff_who_enrolls_reaches_staff_pages_in_the_same_session(client, people, agent, clock):
    people.sign_in("agent@example.com")
    html = client.get("/security/mfa/setup").get_data(as_text=True)
    client.post("/security/mfa/setup", data={"csrf_token": csrf_from(html)})
    html = client.get("/security/mfa/setup/confirm").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    client.post("/security/mfa/setup/confirm", data={"csrf_token": csrf_from(html),
                                                     "code": pyotp.TOTP(secret).at(clock.now())})
    assert client.get("/staff/").status_code == 200


def test_staff_session_that_did_not_pass_mfa_must_sign_in_again(client, people, services, agent):
    people.sign_in("agent@example.com")  # before enrolling: a password-only session
    with services() as ctx:
        people.phones["agent@example.com"] = enroll_totp(ctx, get_user(ctx, agent))
    response = client.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/signin?next=/staff/")
    people.sign_in("agent@example.com")
    assert client.get("/staff/").status_code == 200


def test_staff_api_session_that_did_not_pass_mfa_answers_403(client, people, services, agent):
    headers = people.bearer("agent@example.com")
    with services() as ctx:
        enroll_totp(ctx, get_user(ctx, agent))
    response = client.get(f"/api/v1/accounts/{agent}/sessions", headers=headers)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "mfa_session_required"


def test_staff_with_mfa_signs_in_with_a_code_and_reaches_staff_pages(client, people):
    people.staff("sec@example.com", "security")
    people.sign_in("sec@example.com")
    assert client.get("/staff/").status_code == 200


def test_staff_cannot_turn_mfa_off(client, people):
    people.staff("sec@example.com", "security")
    phone = people.phones["sec@example.com"]
    response = client.post("/api/v1/mfa/totp/disable", headers=people.bearer("sec@example.com"),
                           json={"password": PASSWORD, "code": phone.code()})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "mfa_required_for_staff"


def test_the_rule_can_be_switched_off(make_app):
    app = make_app(staff_require_mfa=False)
    people = Accounts.of(app)
    people.staff("agent@example.com", "agent", mfa=False)
    people.sign_in("agent@example.com")
    assert people.client.get("/staff/").status_code == 200
