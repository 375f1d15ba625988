"""Containing a stolen account: the email buttons (single use, 7 days), "Secure my account" from the security page
and /secure-account, what containment changes, and the reset link that works on the stolen-locked account."""

from __future__ import annotations

import re

import pytest
from helpers.csrf import csrf_from
from helpers.detection import BUTTON, FIREFOX, press, run, signals

from recovery.accounts.models import User
from recovery.alerts.models import Alert
from recovery.db import write_together
from recovery.detection import service as detection
from recovery.detection.models import KnownDevice, SigninAttempt
from recovery.events.models import SecurityEvent
from recovery.reset.models import PasswordReset
from recovery.reset.service import request_reset
from recovery.sessions.models import UserSession
from recovery.tickets.models import Ticket

EMAIL = "ada@example.com"
NEW_PASSWORD = "copper lantern drifts over seven quiet hills"
SECURE_RESET = re.compile(r"https://recovery\.example\.test(/secure-account/password/[^\s\"<>]+)")
STATUS = re.compile(r"/appeal/status/[0-9]+\.[0-9a-f]+")


def new_device_signin(services, user_id: int) -> None:
    """A first sign-in from the usual laptop, then one from a new phone: the second is reported by email."""
    for device, agent in (("laptop", None), ("phone", FIREFOX)):
        def operation(ctx, device=device, agent=agent):
            user = ctx.session.get(User, user_id)
            observation = detection.check_source(ctx, signals(device=device, **({"agent": agent} if agent else {})),
                                                 user.email)
            decision = detection.assess_signin(ctx, user, observation)
            write_together(ctx.session, detection.complete_signin(ctx, user, observation, stage="password",
                                                                 decision=decision))
        run(services, operation)


def buttons(outbox) -> dict[str, str]:
    [mail] = outbox(to=EMAIL, template="new_signin")
    return {kind: path for path, kind in BUTTON.findall(mail.payload["text"])}


@pytest.fixture
def victim(people, services) -> int:
    user_id = people.add(EMAIL)
    new_device_signin(services, user_id)
    people.token(user_id)  # a live API session the attacker might hold
    with services() as ctx:
        request_reset(ctx, EMAIL)  # and a live reset link
    return user_id


def test_it_was_me_marks_the_device_known_once(client, people, victim, outbox):
    path = buttons(outbox)["confirm"]
    assert client.get(path).status_code == 200
    assert not any(d.confirmed_at for d in people.rows(KnownDevice))  # GET changes nothing (mail scanners)
    response = press(client, path)
    assert response.status_code == 200 and "We will remember this device" in response.get_data(as_text=True)
    phone = people.rows(KnownDevice, KnownDevice.browser == "Firefox 125")[0]
    assert phone.confirmed_at is not None
    again = press(client, path)
    assert again.status_code == 409 and "already been used" in again.get_data(as_text=True)
    assert people.user(victim).status == "active"


def test_secure_button_contains_the_account_and_shows_the_ticket(client, people, victim, outbox):
    response = press(client, buttons(outbox)["secure"])
    assert response.status_code == 303 and STATUS.search(response.headers["Location"])
    user = people.user(victim)
    assert (user.status, user.status_reason) == ("locked", detection.STOLEN_REASON)
    assert all(s.revoked_at is not None for s in people.rows(UserSession, UserSession.user_id == victim))
    resets = people.rows(PasswordReset, PasswordReset.user_id == victim, order=PasswordReset.id)
    assert resets[0].revoked_reason == "stolen_report" and resets[-1].revoked_at is None  # only the new one lives
    [ticket] = people.rows(Ticket, Ticket.user_id == victim)
    assert (ticket.category, ticket.priority, ticket.queue) == ("stolen_account", 1, "security")
    assert any("Firefox 125" in a.get("device", "") for a in ticket.attachments)  # the suspicious sign-in
    assert people.rows(Alert, Alert.rule == "account_reported_stolen")
    assert not people.rows(KnownDevice, KnownDevice.browser == "Firefox 125")  # the reported device is forgotten
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and f"Request #{ticket.id}" in page.get_data(as_text=True)


def test_secure_button_is_single_use_and_voids_it_was_me(client, people, victim, outbox):
    links = buttons(outbox)
    press(client, links["secure"])
    assert press(client, links["secure"]).status_code == 409
    assert press(client, links["confirm"]).status_code == 409  # the attacker's device cannot be trusted after
    assert len(people.rows(Ticket)) == 1


def test_buttons_expire_after_seven_days(client, clock, victim, outbox, people):
    links = buttons(outbox)
    clock.advance(days=7, seconds=1)
    response = press(client, links["secure"])
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert people.user(victim).status == "active"


def test_tampered_button_is_refused(client, victim, outbox):
    path = buttons(outbox)["secure"]
    response = press(client, path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb"))
    assert response.status_code == 400


def test_secure_button_cannot_unlock(client, people, victim, outbox):
    """Used on an account staff have suspended, it changes nothing but what containment adds."""
    people_status = people.user(victim)
    assert people_status.status == "active"
    with people.services() as ctx:
        from recovery.accounts.service import set_account_status

        set_account_status(ctx, ctx.session.get(User, victim), "suspended", "spam")
    press(client, buttons(outbox)["secure"])
    assert people.user(victim).status == "suspended"


def test_containment_reset_link_sets_the_password_but_keeps_the_lock(client, people, victim, outbox):
    press(client, buttons(outbox)["secure"])
    [mail] = outbox(to=EMAIL, template="account_secured")
    path = SECURE_RESET.search(mail.payload["text"]).group(1)
    page = client.get(path)
    assert page.status_code == 200 and "a•••@example.com" in page.get_data(as_text=True)
    response = client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                       "password": NEW_PASSWORD})
    assert response.status_code == 303 and STATUS.search(response.headers["Location"])
    user = people.user(victim)
    assert user.status == "locked"
    with people.services() as ctx:
        assert ctx.passwords.verify(user.password_hash, NEW_PASSWORD)
    again = client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True)), "password": NEW_PASSWORD})
    assert again.status_code == 409


def test_containment_reset_is_an_ordinary_password_reset_for_the_log_and_the_mail(client, people, victim, outbox):
    """The same event and email as recovery/reset's confirm (accounts.set_password), with what is particular
    to it: the account stays locked, and every session and other link ends."""
    press(client, buttons(outbox)["secure"])
    [mail] = outbox(to=EMAIL, template="account_secured")
    path = SECURE_RESET.search(mail.payload["text"]).group(1)
    page = client.get(path)
    client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True)), "password": NEW_PASSWORD})
    [event] = people.rows(SecurityEvent, type="account.password.reset", user_id=victim)
    assert (event.actor_type, event.actor_id) == ("user", victim)
    assert event.details["via"] == "secure_account" and event.details["still_locked"] is True
    [done] = outbox(to=EMAIL, template="password_reset_done")
    assert "/secure-account" in done.payload["text"]
    assert [s.revoked_reason for s in people.rows(UserSession, UserSession.user_id == victim,
                                                   UserSession.revoked_at.is_(None))] == []
    assert [r.used_at is not None or r.revoked_at is not None
            for r in people.rows(PasswordReset, PasswordReset.user_id == victim)] == [True, True]


def test_ordinary_reset_still_refuses_a_stolen_locked_account(client, people, victim, outbox):
    press(client, buttons(outbox)["secure"])
    with people.services() as ctx:
        request_reset(ctx, EMAIL)
    assert outbox(to=EMAIL, template="reset_blocked_account")


def test_security_page_button_secures_the_signed_in_account(client, people, services, csrf):
    user_id = people.add(EMAIL)
    people.sign_in(user_id)
    page = client.get("/secure-account")
    assert "Secure my account now" in page.get_data(as_text=True)
    response = client.post("/secure-account", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 303 and STATUS.search(response.headers["Location"])
    assert people.user(user_id).status == "locked"
    assert client.get("/security").status_code == 302  # the session that pressed it is gone too


def test_signed_out_secure_account_page_mails_a_button_and_answers_the_same(client, people, outbox, csrf):
    people.add(EMAIL)
    answers = []
    for email in (EMAIL, "nobody@example.com"):
        token = csrf("/secure-account")
        answers.append(client.post("/secure-account", data={"csrf_token": token, "email": email}))
    assert answers[0].status_code == answers[1].status_code == 200
    assert answers[0].get_data() == answers[1].get_data()
    [mail] = outbox(template="secure_account_link")
    path = BUTTON.search(mail.payload["text"]).group(1)
    assert "/signin-notice/secure/" in path
    assert press(client, path).status_code == 303


def test_signed_out_secure_account_emails_are_capped_per_address_across_ips(client, people, outbox, csrf):
    people.add(EMAIL)
    statuses = []
    for last_octet in range(1, 6):
        token = csrf("/secure-account")
        statuses.append(client.post("/secure-account", data={"csrf_token": token, "email": EMAIL},
                                    environ_base={"REMOTE_ADDR": f"203.0.113.{last_octet}"}).status_code)
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
    assert len(outbox(template="secure_account_link")) == 3


def test_api_secure_account(client, people):
    user_id = people.add(EMAIL)
    response = client.post("/api/v1/secure-account", headers=people.headers(user_id))
    assert response.status_code == 201
    body = response.get_json()
    assert body["account_status"] == "locked" and "/appeal/status/" in body["status_link"]


def test_security_view_lists_signins_and_devices_and_forgets_one(client, people, victim):
    view = client.get("/api/v1/security/signins", headers=people.headers(victim)).get_json()
    assert [s["outcome"] for s in view["signins"]][:2] == ["success", "success"]
    phone = next(d for d in view["devices"] if d["browser"] == "Firefox 125")
    headers = people.headers(victim)
    assert client.delete(f"/api/v1/security/devices/{phone['id']}", headers=headers).status_code == 204
    assert client.delete(f"/api/v1/security/devices/{phone['id']}", headers=headers).status_code == 404
    other = people.add("eve@example.com")
    laptop = next(d for d in view["devices"] if d["browser"] == "Chrome 124")
    assert client.delete(f"/api/v1/security/devices/{laptop['id']}", headers=people.headers(other)).status_code == 404
    assert people.rows(SigninAttempt, SigninAttempt.user_id == victim)
