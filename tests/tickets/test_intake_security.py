"""Intake findings of the security review: a different requester never gets another's ticket, no account
enumeration on the status page, second-factor resets held and told, files read only after the code checks."""

import re
from datetime import timedelta

import pytest
from helpers.mail import cancel_token_in, code_in, status_token_in
from helpers.tickets import approve
from sqlalchemy import select

from recovery.accounts.models import ContactAddress
from recovery.context import Actor
from recovery.tickets import api, decisions, intake, intake_views
from recovery.tickets.access import ticket_for_cancel_token
from recovery.tickets.errors import HoldActive
from recovery.tickets.models import Ticket, TicketMessage


def _recover(services, outbox, *, contact, account="ada@example.com", message="Lost everything", **answers):
    with services() as ctx:
        intake.request_recovery(ctx, account_email=account, contact_email=contact, message=message,
                                answers=answers)
    with services() as ctx:
        code = code_in(outbox(to=contact, template="appeal_contact_code")[-1])
        return intake.confirm_recovery(ctx, contact_email=contact, code=code).id


def _messages(services, ticket_id, *, internal):
    with services() as ctx:
        return list(ctx.session.scalars(select(TicketMessage.body).where(TicketMessage.ticket_id == ticket_id,
                                                                         TicketMessage.internal.is_(internal))
                                        .order_by(TicketMessage.id)))


# --- 1. a different requester never gains access to an existing ticket -----------------------------------

def test_recovery_from_a_different_contact_opens_a_separate_linked_held_ticket(services, people, outbox, clock):
    people.add("ada@example.com", status="locked")
    first = _recover(services, outbox, contact="ada.new@example.net", message="A: my secret story")
    clock.advance(hours=1)
    second = _recover(services, outbox, contact="mallory@example.org", message="B: let me in", devices="iPhone")
    assert second != first
    a, b = people.ticket(first), people.ticket(second)
    assert b.requester_email == "mallory@example.org" and b.hold_until == clock.now() + timedelta(hours=72)
    assert (b.queue, b.priority) == (a.queue, a.priority)
    assert b.identity_checks == [{"question": "devices", "answer": "iPhone", "matched": False, "checked": True}]
    assert _messages(services, first, internal=False) == ["A: my secret story"]
    assert _messages(services, second, internal=False) == ["B: let me in"]
    assert any(f"#{second}" in note for note in _messages(services, first, internal=True))
    assert any(f"#{first}" in note for note in _messages(services, second, internal=True))
    # B's mail carries only B's ticket
    assert status_token_in(outbox(to="mallory@example.org", template="ticket_opened")[-1]).startswith(f"{second}.")
    assert not outbox(to="mallory@example.org", template="ticket_updated")


def test_recovery_confirm_api_for_a_different_contact_never_returns_the_open_tickets_link(client, services,
                                                                                          people, outbox):
    people.add("ada@example.com", status="locked")
    first = _recover(services, outbox, contact="ada.new@example.net", message="A: my secret story")
    client.post("/api/v1/recovery-requests", json={"account_email": "ada@example.com",
                                                   "contact_email": "mallory@example.org", "message": "B"})
    code = code_in(outbox(to="mallory@example.org", template="appeal_contact_code")[-1])
    response = client.post("/api/v1/recovery-requests/confirm",
                           json={"contact_email": "mallory@example.org", "code": code})
    assert response.status_code == 201 and response.json["ticket_id"] != first
    status = client.get("/api/v1/appeals/status/" + response.json["status_url"].rsplit("/", 1)[1])
    assert status.status_code == 200
    assert "A: my secret story" not in status.get_data(as_text=True)


def test_recovery_repeat_from_the_same_contact_joins_its_ticket_and_keeps_its_answers(services, people, outbox):
    people.add("ada@example.com", status="locked")
    first = _recover(services, outbox, contact="ada.new@example.net", message="first", devices="iPhone")
    mallory = _recover(services, outbox, contact="mallory@example.org", message="other")
    again = _recover(services, outbox, contact="ada.new@example.net", message="second", last_signin_place="Lagos")
    assert again == first != mallory
    assert _messages(services, first, internal=False) == ["first", "second"]
    assert [c["question"] for c in people.ticket(first).identity_checks] == ["devices", "last_signin_place"]


# --- 2. no enumeration through the status page ------------------------------------------------------------

def _status(client, outbox, contact):
    token = status_token_in(outbox(to=contact, template="ticket_opened")[-1])
    ticket_id = token.split(".")[0]
    page = client.get(f"/appeal/status/{token}").get_data(as_text=True)
    page = page.replace(token, "TOKEN").replace(f"#{ticket_id}", "#N")
    data = client.get(f"/api/v1/appeals/status/{token}").json
    data.pop("ticket_id")
    for message in data.get("messages", []):
        message.pop("id", None)
    return page, data


def test_recovery_status_looks_the_same_for_a_known_and_an_unknown_account(client, services, people, outbox):
    people.add("ada@example.com", status="locked")
    _recover(services, outbox, account="ada@example.com", contact="one@example.net", message="help me")
    _recover(services, outbox, account="ghost@example.com", contact="two@example.net", message="help me")
    known_page, known_json = _status(client, outbox, "one@example.net")
    unknown_page, unknown_json = _status(client, outbox, "two@example.net")
    assert "No account matches" not in unknown_page and "No account matches" not in str(unknown_json)
    assert known_json == unknown_json
    assert _strip_csrf(known_page) == _strip_csrf(unknown_page)


def _strip_csrf(page: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", page)


def test_recovery_for_an_unknown_account_tells_staff_in_an_internal_note(services, outbox):
    ticket_id = _recover(services, outbox, account="ghost@example.com", contact="two@example.net", message="hi")
    assert _messages(services, ticket_id, internal=False) == ["hi"]
    assert _messages(services, ticket_id, internal=True) == ["No account matches the email given."]


# --- 3. second-factor resets are held and told ------------------------------------------------------------

def _mfa_appeal(services, outbox):
    with services() as ctx:
        intake.request_appeal(ctx, email="ada@example.com", reason="lost_second_factor", message="lost my phone")
    with services() as ctx:
        code = code_in(outbox(to="ada@example.com", template="appeal_code")[-1])
        return intake.confirm_appeal(ctx, email="ada@example.com", code=code).id


def test_mfa_reset_appeal_is_held_and_every_address_on_file_gets_a_cancel_link(services, people, outbox, clock):
    ada = people.add("ada@example.com")
    with services() as ctx:
        ctx.session.add(ContactAddress(user_id=ada, email="ada.backup@example.com", verified_at=clock.now(),
                                       created_at=clock.now()))
    ticket_id = _mfa_appeal(services, outbox)
    ticket = people.ticket(ticket_id)
    assert ticket.category == "mfa_reset" and ticket.hold_until == clock.now() + timedelta(hours=72)
    notices = outbox(template="appeal_recovery_notice")
    assert {m.recipient for m in notices} == {"ada@example.com", "ada.backup@example.com"}
    assert "second factor" in notices[0].payload["text"]
    with services() as ctx:
        intake.cancel_recovery(ctx, ticket_for_cancel_token(ctx, cancel_token_in(notices[0])))
    assert (people.ticket(ticket_id).status, people.ticket(ticket_id).outcome) == ("closed", "withdrawn")


def test_mfa_reset_appeal_cannot_be_carried_out_before_the_hold_ends(services, people, outbox, clock):
    people.add("ada@example.com")
    first, second = people.staff("agent1@example.com"), people.staff("agent2@example.com")
    ticket_id = _mfa_appeal(services, outbox)

    for staff_id in (first, second):
        with services(Actor("staff", staff_id)) as ctx, pytest.raises(HoldActive):
            decisions.decide(ctx, ctx.session.get(Ticket, ticket_id), people.user(staff_id), outcome="granted",
                             reason="ID checked")
    clock.advance(hours=73)
    with services(Actor("staff", first)) as ctx:
        decisions.decide(ctx, ctx.session.get(Ticket, ticket_id), people.user(first), outcome="granted",
                         reason="ID checked")
    made = approve(services, people, second, ticket_id)
    assert made.status == "executed" and made.actions == ["reset_mfa"]


def test_mfa_reset_appeal_is_not_folded_into_an_open_unblock_appeal(services, people, outbox, clock):
    people.add("ada@example.com", status="banned")
    with services() as ctx:
        intake.request_appeal(ctx, email="ada@example.com", reason="banned_by_mistake", message="unban me")
    with services() as ctx:
        code = code_in(outbox(to="ada@example.com", template="appeal_code")[-1])
        unblock = intake.confirm_appeal(ctx, email="ada@example.com", code=code).id
    mfa = _mfa_appeal(services, outbox)
    assert mfa != unblock and people.ticket(mfa).hold_until is not None


# --- 4. files read only after the code or link checks; the evidence upload is limited per IP --------------

@pytest.fixture
def file_reads(monkeypatch):
    reads = []

    def spy(field="evidence"):
        reads.append(field)
        return []

    monkeypatch.setattr(intake_views, "uploaded_files", spy)
    monkeypatch.setattr(api, "uploaded_files", spy)
    return reads


@pytest.mark.parametrize(("page", "fields"), [
    ("/appeal/confirm", {"email": "ada@example.com"}),
    ("/recover/confirm", {"contact_email": "ada.new@example.net"}),
])
def test_confirm_page_with_a_wrong_code_reads_no_file(client, people, csrf, file_reads, page, fields):
    people.add("ada@example.com")
    response = client.post(page, data={"csrf_token": csrf(page), "code": "12345678", **fields},
                           content_type="multipart/form-data")
    assert response.status_code in (200, 400) and file_reads == []


def test_evidence_api_with_a_bad_link_reads_no_file_and_is_limited_per_ip(client, file_reads):
    answers = [client.post("/api/v1/appeals/status/1.bad/evidence", data={"message": "x"},
                           content_type="multipart/form-data").status_code for _ in range(6)]
    assert file_reads == []
    assert answers[:5] != [429] * 5 and answers[-1] == 429
