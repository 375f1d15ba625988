"""The "this wasn't me" story as the owner lives it: one email per address that says what happened and what
happens next, no invitation to appeal a case already open, and nothing internal on the case's status page."""

from __future__ import annotations

import re

import pytest
from helpers.detection import BUTTON, press
from helpers.people import PASSWORD

from recovery.accounts.models import ContactAddress, User
from recovery.detection import containment
from recovery.tickets.models import Ticket, TicketMessage

EMAIL = "ada@example.com"
BACKUP = "ada.backup@example.com"
STATUS = re.compile(r"https://recovery\.example\.test(/appeal/status/[0-9]+\.[0-9a-f]+)")
SECURE_RESET = re.compile(r"/secure-account/password/")


@pytest.fixture
def owner(people, services, outbox) -> int:
    user_id = people.add(EMAIL)
    with services() as ctx:
        now = ctx.clock.now()
        ctx.session.add(ContactAddress(user_id=user_id, email=BACKUP, verified_at=now, created_at=now))
    return user_id


def secure_by_link(client, services, outbox, user_id: int) -> int:
    """The owner asks /secure-account for a button and presses it; returns how many emails were queued before."""
    with services() as ctx:
        containment.request_secure_link(ctx, EMAIL)
    mail = outbox(to=EMAIL, template="secure_account_link")[-1]
    before = len(outbox())
    assert press(client, BUTTON.search(mail.payload["text"]).group(1)).status_code == 303
    return before


def test_securing_sends_one_email_per_address_saying_what_happened_and_what_next(client, services, outbox, owner):
    before = secure_by_link(client, services, outbox, owner)
    sent = outbox()[before:]
    assert sorted((m.recipient, m.template) for m in sent) == [(BACKUP, "account_secured"),
                                                                 (EMAIL, "account_secured")]
    primary, backup = (next(m for m in sent if m.recipient == address) for address in (EMAIL, BACKUP))
    for mail in sent:
        text = mail.payload["text"]
        words = re.sub(r"https://\S+", "", text + mail.payload["subject"]).lower()
        assert "appeal" not in words  # the owner is already a P1 case
        assert STATUS.search(text)  # the case, to follow
    assert "Our security team will answer you there by Mar 2, 2026 10:00 UTC." in primary.payload["text"]  # P1: 1 h
    assert SECURE_RESET.search(primary.payload["text"])
    assert not SECURE_RESET.search(backup.payload["text"])  # the reset link goes to the main address alone


def test_securing_twice_adds_no_we_added_your_message_email(client, services, outbox, owner):
    secure_by_link(client, services, outbox, owner)
    with services() as ctx:
        containment.secure_account(ctx, ctx.session.get(User, owner), source="security_page")
    assert not outbox(template="ticket_updated") and not outbox(template="ticket_opened")


def test_case_status_page_shows_what_happened_not_internal_notes(client, app, services, outbox, owner, people):
    secure_by_link(client, services, outbox, owner)
    [ticket] = people.rows(Ticket, Ticket.user_id == owner)
    notes = people.rows(TicketMessage, TicketMessage.ticket_id == ticket.id)
    assert notes and all(note.internal for note in notes)  # the system's note is the staff's alone
    path = STATUS.search(outbox(to=EMAIL, template="account_secured")[-1].payload["text"]).group(1)
    page = client.get(path).get_data(as_text=True)
    assert "email_button" not in page and "reported the account stolen (" not in page
    assert "You told us someone else may have used your account" in page
    zh = client.get(path, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "email_button" not in zh and "You told us" not in zh


def test_open_case_is_found_for_the_locked_account(client, services, outbox, owner, people):
    with services() as ctx:
        assert containment.open_case(ctx, ctx.session.get(User, owner)) is None
    secure_by_link(client, services, outbox, owner)
    [ticket] = people.rows(Ticket, Ticket.user_id == owner)
    with services() as ctx:
        case = containment.open_case(ctx, ctx.session.get(User, owner))
        assert case is not None and case.id == ticket.id


def test_locked_signin_answer_points_to_the_open_case_not_an_appeal(client, services, outbox, owner):
    secure_by_link(client, services, outbox, owner)
    response = client.post("/api/v1/sessions", json={"email": EMAIL, "password": PASSWORD})
    body = response.get_json()
    assert response.status_code == 403 and body["error"]["code"] == "account_not_active"
    step = body["error"]["next"]
    assert step["action"] == "case" and "appeal" not in step["message"].lower()
    assert step.get("url") is None  # a password alone does not prove the owner: the case's key stays in the mailbox
