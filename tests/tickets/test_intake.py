"""Appeals and recovery requests: a code before any ticket, repeats merged, the hold, cancellation, identity checks."""

from datetime import timedelta

import pytest
from helpers.mail import cancel_token_in, code_in, status_token_in
from sqlalchemy import func, select

from recovery.accounts.models import ContactAddress
from recovery.context import Actor
from recovery.errors import TokenInvalid
from recovery.events.models import SecurityEvent
from recovery.outbox.models import OutboxMessage
from recovery.sessions.models import UserSession
from recovery.tickets import decisions, intake
from recovery.tickets.errors import AppealTooSoon, HoldActive
from recovery.tickets.models import IntakeChallenge, Ticket, TicketMessage
from recovery.web.context import app_service_context, runtime


def _tickets(services) -> int:
    with services() as ctx:
        return ctx.session.scalar(select(func.count()).select_from(Ticket))


def _appeal(services, email="ada@example.com", reason="banned_by_mistake", message="I did nothing wrong"):
    with services() as ctx:
        intake.request_appeal(ctx, email=email, reason=reason, message=message)


def _confirm(services, email, code):
    with services() as ctx:
        return intake.confirm_appeal(ctx, email=email, code=code).id


def test_appeal_sends_the_code_to_every_address_on_file_and_opens_nothing_yet(services, people, outbox):
    ada = people.add("ada@example.com", status="banned", reason="spam")
    with services() as ctx:
        now = ctx.clock.now()
        ctx.session.add(ContactAddress(user_id=ada, email="ada.backup@example.com", verified_at=now, created_at=now))
        ctx.session.add(ContactAddress(user_id=ada, email="unverified@example.com", created_at=now))
    _appeal(services)
    assert _tickets(services) == 0
    sent = {m.recipient for m in outbox(template="appeal_code")}
    assert sent == {"ada@example.com", "ada.backup@example.com"}


def test_appeal_for_an_unknown_email_sends_nothing_and_raises_nothing(services, outbox):
    _appeal(services, email="nobody@example.com")
    assert outbox() == []


def test_appeal_confirm_with_the_code_opens_the_ticket(services, people, outbox):
    people.add("ada@example.com", status="banned")
    _appeal(services)
    ticket_id = _confirm(services, "ada@example.com", code_in(outbox(template="appeal_code")[-1]))
    ticket = people.ticket(ticket_id)
    assert (ticket.category, ticket.source, ticket.tags) == ("unblock_appeal", "appeal", ["reason:banned_by_mistake"])
    opened = outbox(to="ada@example.com", template="ticket_opened")[-1]
    assert status_token_in(opened).startswith(f"{ticket_id}.")


def test_appeal_confirm_with_a_wrong_code_counts_and_five_misses_kill_the_code(app, services, people, outbox):
    people.add("ada@example.com", status="banned")
    _appeal(services)
    code = code_in(outbox(template="appeal_code")[-1])
    wrong = "00000000" if code != "00000000" else "11111111"
    client = app.test_client()
    for _ in range(5):
        response = client.post("/api/v1/appeals/confirm", json={"email": "ada@example.com", "code": wrong})
        assert response.status_code == 400
    with services() as ctx:
        assert ctx.session.scalar(select(IntakeChallenge.attempts)) == 5
    with pytest.raises(TokenInvalid):
        _confirm(services, "ada@example.com", code)
    assert _tickets(services) == 0


def test_appeal_code_is_single_use_and_expires(services, people, outbox, clock):
    people.add("ada@example.com", status="banned")
    _appeal(services)
    code = code_in(outbox(template="appeal_code")[-1])
    _confirm(services, "ada@example.com", code)
    with pytest.raises(TokenInvalid):
        _confirm(services, "ada@example.com", code)
    _appeal(services)
    clock.advance(minutes=31)
    with pytest.raises(TokenInvalid):
        _confirm(services, "ada@example.com", code_in(outbox(template="appeal_code")[-1]))


def test_a_newer_code_retires_the_older_one(services, people, outbox):
    people.add("ada@example.com", status="banned")
    _appeal(services)
    first = code_in(outbox(template="appeal_code")[-1])
    _appeal(services)
    second = code_in(outbox(template="appeal_code")[-1])
    if first != second:
        with pytest.raises(TokenInvalid):
            _confirm(services, "ada@example.com", first)
    assert _confirm(services, "ada@example.com", second)


def test_a_second_appeal_while_one_is_open_joins_it(services, people, outbox):
    people.add("ada@example.com", status="banned")
    _appeal(services, message="first appeal")
    first = _confirm(services, "ada@example.com", code_in(outbox(template="appeal_code")[-1]))
    _appeal(services, reason="account_locked", message="second appeal")
    second = _confirm(services, "ada@example.com", code_in(outbox(template="appeal_code")[-1]))
    assert first == second and _tickets(services) == 1
    with services() as ctx:
        bodies = list(ctx.session.scalars(select(TicketMessage.body).where(TicketMessage.ticket_id == first)))
    assert bodies == ["first appeal", "second appeal"]


def test_after_a_denial_a_new_appeal_waits_until_the_date_given(services, people, outbox, clock):
    people.add("ada@example.com", status="banned")
    agent = people.staff("agent@example.com")
    _appeal(services)
    ticket_id = _confirm(services, "ada@example.com", code_in(outbox(template="appeal_code")[-1]))
    with services(Actor("staff", agent)) as ctx:
        decisions.decide(ctx, ctx.session.get(Ticket, ticket_id), people.user(agent), outcome="denied",
                         reason="Repeated spam", appeal_again_days=10)
    _appeal(services)
    with pytest.raises(AppealTooSoon):
        _confirm(services, "ada@example.com", code_in(outbox(template="appeal_code")[-1]))
    clock.advance(days=11)
    _appeal(services)
    assert _confirm(services, "ada@example.com", code_in(outbox(template="appeal_code")[-1])) != ticket_id


# --- account recovery ------------------------------------------------------------------------------------

def _recover(services, *, account="ada@example.com", contact="ada.new@example.net", **answers):
    with services() as ctx:
        intake.request_recovery(ctx, account_email=account, contact_email=contact,
                                message="Lost my phone and my mailbox", answers=answers)


def _confirm_recovery(services, outbox, contact="ada.new@example.net") -> int:
    with services() as ctx:
        code = code_in(outbox(to=contact, template="appeal_contact_code")[-1])
        return intake.confirm_recovery(ctx, contact_email=contact, code=code).id


def test_recovery_code_goes_to_the_new_contact_only(services, people, outbox):
    people.add("ada@example.com", status="active")
    _recover(services)
    assert [m.recipient for m in outbox()] == ["ada.new@example.net"]
    assert _tickets(services) == 0


def test_recovery_confirmed_tells_every_address_on_file_with_a_cancel_link(services, people, outbox, clock):
    ada = people.add("ada@example.com")
    with services() as ctx:
        ctx.session.add(ContactAddress(user_id=ada, email="ada.backup@example.com", verified_at=clock.now(),
                                       created_at=clock.now()))
    _recover(services)
    ticket_id = _confirm_recovery(services, outbox)
    notices = outbox(template="appeal_recovery_notice")
    assert {m.recipient for m in notices} == {"ada@example.com", "ada.backup@example.com"}
    assert cancel_token_in(notices[0]).startswith(f"{ticket_id}.")
    ticket = people.ticket(ticket_id)
    assert ticket.hold_until == clock.now() + timedelta(hours=72)
    assert ticket.requester_email == "ada.new@example.net"
    assert outbox(to="ada.new@example.net", template="ticket_opened")


def test_recovery_cannot_be_granted_during_the_hold_and_can_after(services, people, outbox, clock):
    people.add("ada@example.com", status="locked", reason="stolen")
    agent = people.staff("agent@example.com")
    _recover(services)
    ticket_id = _confirm_recovery(services, outbox)
    clock.advance(hours=71)
    with services(Actor("staff", agent)) as ctx, pytest.raises(HoldActive):
        decisions.decide(ctx, ctx.session.get(Ticket, ticket_id), people.user(agent), outcome="granted",
                         reason="Answers match", actions=["revoke_sessions"])
    clock.advance(hours=2)
    with services(Actor("staff", agent)) as ctx:
        made = decisions.decide(ctx, ctx.session.get(Ticket, ticket_id), people.user(agent), outcome="granted",
                                reason="Answers match", actions=["revoke_sessions"])
    assert made.status == "executed" and people.ticket(ticket_id).status == "resolved"


def test_recovery_hold_is_configurable(make_app):
    app = make_app(ticket_recovery_hold_hours=24)
    with app.app_context(), runtime(app).db.transaction() as session:
        ctx = app_service_context(app, session)
        intake.request_recovery(ctx, account_email="ghost@example.com", contact_email="me@example.net",
                                message="help", answers={})
        code = code_in(session.scalars(select(OutboxMessage)).one())
        ticket = intake.confirm_recovery(ctx, contact_email="me@example.net", code=code)
        assert ticket.hold_until == ctx.clock.now() + timedelta(hours=24)


def test_cancel_link_closes_the_request_as_withdrawn(services, people, outbox):
    people.add("ada@example.com")
    _recover(services)
    ticket_id = _confirm_recovery(services, outbox)
    with services() as ctx:
        from recovery.tickets.access import ticket_for_cancel_token

        ticket = ticket_for_cancel_token(ctx, cancel_token_in(outbox(template="appeal_recovery_notice")[-1]))
        intake.cancel_recovery(ctx, ticket)
    ticket = people.ticket(ticket_id)
    assert (ticket.status, ticket.outcome) == ("closed", "withdrawn")
    assert outbox(to="ada.new@example.net", template="ticket_decision")
    with services() as ctx:
        assert ctx.session.scalar(select(SecurityEvent).where(SecurityEvent.type == "ticket.recovery.cancelled"))


def test_recovery_for_an_unknown_account_looks_the_same_and_opens_an_unmatched_ticket(services, people, outbox):
    _recover(services, account="ghost@example.com", devices="iPhone")
    ticket = people.ticket(_confirm_recovery(services, outbox))
    assert ticket.user_id is None
    assert ticket.identity_checks == [{"question": "devices", "answer": "iPhone", "matched": False, "checked": True}]


def test_identity_answers_are_checked_against_the_accounts_records(services, people, outbox, clock):
    ada = people.add("ada@example.com", status="locked")
    with services(Actor("user", ada, "203.0.113.9", "ua")) as ctx:
        ctx.session.add(UserSession(
            id="s1", token_digest="d" * 64, user_id=ada, kind="browser", created_at=clock.now() - timedelta(days=3),
            last_seen_at=clock.now(), expires_at=clock.now(), authenticated_at=clock.now(), ip="203.0.113.9",
            user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605 Version/17.0 "
                       "Mobile/15E148 Safari/604.1"))
        ctx.session.add(SecurityEvent(type="account.signin.succeeded", user_id=ada, actor_type="user", actor_id=ada,
                                      ip="203.0.113.9", details={"country": "Germany", "city": "Berlin"},
                                      created_at=clock.now() - timedelta(days=3)))
    day = (clock.now() - timedelta(days=3)).date().isoformat()
    _recover(services, last_signin_place="berlin", last_signin_date=day, devices="iPhone Safari",
             recent_activity="posted a photo")
    checks = {c["question"]: c["matched"] for c in people.ticket(_confirm_recovery(services, outbox)).identity_checks}
    assert checks == {"last_signin_place": True, "last_signin_date": True, "devices": True, "recent_activity": False}


def test_identity_answers_that_do_not_fit_are_not_matched(services, people, outbox):
    people.add("ada@example.com", status="locked")
    _recover(services, last_signin_place="Lagos", last_signin_date="2020-01-01", devices="Android Firefox")
    checks = people.ticket(_confirm_recovery(services, outbox)).identity_checks
    assert [c["matched"] for c in checks] == [False, False, False]
