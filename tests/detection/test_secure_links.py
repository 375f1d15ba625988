"""Every email that tells the owner of a sign-in with the correct password carries the one-click "No, secure my
account" button, in its text and HTML parts and in the owner's language: the new-sign-in notice, the step-up code,
the blocked sign-in and the failed second factor. Each is followed as the owner would and locks the account."""

from __future__ import annotations

import re
from html import unescape

import pytest
from helpers.detection import BUTTON, press
from helpers.phone import enroll_totp
from helpers.signin import api_signin

from recovery.accounts.models import User
from recovery.detection import service as detection
from recovery.detection.notices import SECOND_FACTOR_GRACE

EMAIL = "ada@example.com"
BERLIN, SYDNEY = "198.51.100.7", "203.0.113.9"
CODE = re.compile(r"\b(\d{8})\b")
DENY_SYDNEY = {"detection_deny_list": "203.0.113.0/24"}


def step_up(client, clock) -> dict:
    """The usual sign-in, then one from the other side of the world two days later: a code is emailed."""
    assert api_signin(client, ip=BERLIN).status_code == 201
    clock.advance(days=2)
    response = api_signin(client, ip=SYDNEY)
    assert response.status_code == 202
    return response.get_json()


def the_step_up_code(client, clock, outbox, **_) -> tuple[str, str]:
    step_up(client, clock)
    return "signin_code", "Your sign-in code"


def the_new_signin_notice(client, clock, outbox, **_) -> tuple[str, str]:
    body = step_up(client, clock)
    code = CODE.search(outbox(to=EMAIL, template="signin_code")[-1].payload["text"]).group(1)
    done = client.post("/api/v1/sessions/step-up", json={"step_up_token": body["step_up_token"], "code": code},
                       environ_base={"REMOTE_ADDR": SYDNEY})
    assert done.status_code == 201
    return "new_signin", "New sign-in to your account"


def the_blocked_signin(client, outbox, **_) -> tuple[str, str]:
    assert api_signin(client, ip=SYDNEY).status_code == 401  # a deny-listed source: blocked, the owner told
    return "new_signin", "We blocked a sign-in to your account"


def the_failed_second_factor(client, clock, outbox, services, user_id, **_) -> tuple[str, str]:
    with services() as ctx:
        enroll_totp(ctx, ctx.session.get(User, user_id))
    first = api_signin(client).get_json()
    wrong = client.post("/api/v1/sessions/mfa", json={"mfa_token": first["mfa_token"], "code": "000000"},
                        environ_base={"REMOTE_ADDR": BERLIN})
    assert wrong.status_code == 400
    clock.advance(SECOND_FACTOR_GRACE)  # told once the owner has had time to retype it, and did not
    return "new_signin", "Someone entered your password"


EMAILS = [pytest.param(the_new_signin_notice, {}, id="new_signin"),
          pytest.param(the_step_up_code, {}, id="step_up_code"),
          pytest.param(the_blocked_signin, DENY_SYDNEY, id="blocked"),
          pytest.param(the_failed_second_factor, {}, id="second_factor_failed")]


def secure_button(mail) -> str:
    """The secure button's path, the same in the text and in the HTML part."""
    text = {path for path, kind in BUTTON.findall(mail.payload["text"]) if kind == "secure"}
    html = {path for path, kind in BUTTON.findall(unescape(mail.payload["html"])) if kind == "secure"}
    assert len(text) == 1 and text == html, (text, html)
    return text.pop()


@pytest.mark.parametrize(("scenario", "overrides"), EMAILS)
def test_security_email_after_a_correct_password_secure_button_locks_the_account(
        scenario, client, people, services, clock, outbox):
    user_id = people.add(EMAIL)
    template, subject = scenario(client=client, clock=clock, outbox=outbox, services=services, user_id=user_id)
    [mail] = outbox(to=EMAIL, template=template)
    assert mail.payload["subject"] == subject
    assert "No, secure my account" in mail.payload["text"] and "No, secure my account" in mail.payload["html"]
    response = press(client.application.test_client(), secure_button(mail))
    assert response.status_code == 303 and "/appeal/status/" in response.headers["Location"]
    user = people.user(user_id)
    assert (user.status, user.status_reason) == ("locked", detection.STOLEN_REASON)


@pytest.mark.parametrize(("scenario", "overrides"), EMAILS)
def test_security_email_in_chinese_carries_the_secure_button(scenario, client, people, services, clock, outbox):
    user_id = people.add(EMAIL, locale="zh_Hans")
    template, _subject = scenario(client=client, clock=clock, outbox=outbox, services=services, user_id=user_id)
    [mail] = outbox(to=EMAIL, template=template)
    assert "不是，保护我的账号" in mail.payload["text"] and "不是，保护我的账号" in mail.payload["html"]
    assert secure_button(mail)


def test_step_up_code_secure_button_ends_the_pending_code(client, people, clock, outbox):
    """Pressed while the attacker waits for the code: the code no longer signs anyone in."""
    people.add(EMAIL)
    body = step_up(client, clock)
    mail = outbox(to=EMAIL, template="signin_code")[-1]
    code = CODE.search(mail.payload["text"]).group(1)
    press(client.application.test_client(), secure_button(mail))
    late = client.post("/api/v1/sessions/step-up", json={"step_up_token": body["step_up_token"], "code": code},
                       environ_base={"REMOTE_ADDR": SYDNEY})
    assert late.status_code in (400, 401) and "session_token" not in (late.get_json() or {})
