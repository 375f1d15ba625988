"""open_ticket and the thread: routing, round-robin, merging repeats, replies and the SLA clock, re-routing."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from recovery.accounts.models import User
from recovery.context import Actor
from recovery.errors import PermissionDenied, ValidationFailed
from recovery.events.models import SecurityEvent
from recovery.events.service import record_event
from recovery.tickets import assignment, service
from recovery.tickets.errors import TicketClosed
from recovery.tickets.models import NO_DEADLINE, Ticket, TicketEvent, TicketMessage


def _open(services, user_id, category="unblock_appeal", message="I was banned by mistake", **kwargs) -> int:
    with services() as ctx:
        return service.open_ticket(ctx, category=category, user_id=user_id, subject="Help", message=message,
                                   source=kwargs.pop("source", "appeal"), **kwargs).id


def _member(services, people, user_id, queue="support-l1", **kwargs):
    with services() as ctx:
        assignment.set_membership(ctx, queue=queue, user=ctx.session.get(User, user_id), **kwargs)


def test_open_ticket_stolen_account_is_p1_in_security_whatever_is_asked(services, people):
    ada = people.add("ada@example.com", status="locked", reason="stolen")
    ticket_id = _open(services, ada, category="stolen_account", source="detection", priority=4, queue="support-l1",
                      attachments=[{"type": "security_event", "id": 7}])
    ticket = people.ticket(ticket_id)
    assert (ticket.priority, ticket.queue, ticket.status) == (1, "security", "new")
    assert ticket.attachments == [{"type": "security_event", "id": 7}]
    with services() as ctx:
        event = ctx.session.scalar(select(SecurityEvent).where(SecurityEvent.type == "ticket.opened"))
    assert event.user_id == ada and event.details["priority"] == 1


def test_open_ticket_routes_by_chinese_keywords(services, people):
    ada = people.add("ada@example.com", status="banned")
    ticket = people.ticket(_open(services, ada, message="我的账号被盗了，有人改了密码"))
    assert (ticket.queue, ticket.priority) == ("security", 2)


def test_open_ticket_routes_by_recent_account_signal(services, people):
    ada = people.add("ada@example.com", status="locked")
    with services(Actor("user", ada)) as ctx:
        record_event(ctx, "account.password.changed", user_id=ada)
    ticket = people.ticket(_open(services, ada, message="I cannot get in"))
    assert (ticket.queue, ticket.priority) == ("security", 2)
    assert "recent_password_change" in ticket.signals


def test_open_ticket_explicit_priority_and_queue_win_over_rules(services, people):
    ada = people.add("ada@example.com")
    ticket = people.ticket(_open(services, ada, category="other", source="staff", priority=2, queue="support-l2"))
    assert (ticket.queue, ticket.priority) == ("support-l2", 2)


def test_open_ticket_sets_sla_deadlines_from_the_policy(services, people, clock):
    ada = people.add("ada@example.com", status="banned")
    ticket = people.ticket(_open(services, ada))  # P3 appeal: 24 h / 5 days
    assert ticket.first_response_due_at == clock.now() + timedelta(hours=24)
    assert ticket.resolution_due_at == clock.now() + timedelta(days=5)
    assert ticket.due_at == ticket.first_response_due_at


def test_open_ticket_assigns_round_robin_among_available_agents(services, people):
    agents = [people.staff(f"agent{i}@example.com") for i in range(3)]
    away = people.staff("away@example.com")
    for agent in agents:
        _member(services, people, agent)
    _member(services, people, away, available=False)
    owners = [people.ticket(_open(services, people.add(f"u{i}@example.com", status="banned"))).owner_id
              for i in range(7)]
    assert owners == [agents[0], agents[1], agents[2], agents[0], agents[1], agents[2], agents[0]]


def test_open_ticket_skips_members_whose_role_does_not_work_the_queue(services, people):
    agent = people.staff("agent@example.com", role="agent")
    security = people.staff("sec@example.com", role="security")
    _member(services, people, security, queue="security")
    with services() as ctx:  # an agent cannot be in the security queue: refused when added
        with pytest.raises(ValidationFailed):
            assignment.set_membership(ctx, queue="security", user=ctx.session.get(User, agent))
    ticket = people.ticket(_open(services, people.add("ada@example.com", status="locked"), category="stolen_account",
                                 source="detection"))
    assert ticket.owner_id == security


def test_open_ticket_with_nobody_available_stays_unassigned(services, people):
    ticket = people.ticket(_open(services, people.add("ada@example.com", status="banned")))
    assert ticket.owner_id is None


def test_open_ticket_again_for_the_same_account_merges_into_the_open_one(services, people, outbox):
    ada = people.add("ada@example.com", status="banned")
    first = _open(services, ada, message="first")
    second = _open(services, ada, category="unblock_appeal", message="second")
    assert first == second
    with services() as ctx:
        bodies = list(ctx.session.scalars(select(TicketMessage.body).where(TicketMessage.ticket_id == first)))
        tickets = ctx.session.scalars(select(Ticket)).all()
    assert bodies == ["first", "second"] and len(tickets) == 1
    assert outbox(template="ticket_updated")


def test_stolen_account_report_raises_an_open_appeal_to_p1_security(services, people):
    ada = people.add("ada@example.com", status="locked")
    first = _open(services, ada, message="locked out")
    assert _open(services, ada, category="stolen_account", source="detection", message="not me") == first
    ticket = people.ticket(first)
    assert (ticket.category, ticket.queue, ticket.priority) == ("stolen_account", "security", 1)


def test_reply_first_response_stops_that_clock_and_opens_the_ticket(services, people, clock, outbox):
    agent = people.staff("agent@example.com")
    ticket_id = _open(services, people.add("ada@example.com", status="banned"))
    clock.advance(minutes=30)
    with services(Actor("staff", agent)) as ctx:
        ticket = ctx.session.get(Ticket, ticket_id)
        service.reply(ctx, ticket, people.user(agent), "We are looking at it.")
    ticket = people.ticket(ticket_id)
    assert ticket.status == "open" and ticket.first_response_at == clock.now()
    assert ticket.due_at == ticket.resolution_due_at
    assert "We are looking at it." in outbox(to="ada@example.com", template="ticket_reply")[-1].payload["text"]


def test_request_info_pauses_the_sla_until_the_requester_replies(services, people, clock):
    agent = people.staff("agent@example.com")
    ticket_id = _open(services, people.add("ada@example.com", status="banned"))
    due = people.ticket(ticket_id).resolution_due_at
    with services(Actor("staff", agent)) as ctx:
        service.reply(ctx, ctx.session.get(Ticket, ticket_id), people.user(agent), "Which device?",
                      request_info=True)
    ticket = people.ticket(ticket_id)
    assert ticket.status == "waiting_on_user" and ticket.due_at == NO_DEADLINE
    clock.advance(hours=10)
    with services() as ctx:
        service.requester_reply(ctx, ctx.session.get(Ticket, ticket_id), "My iPhone")
    ticket = people.ticket(ticket_id)
    assert ticket.status == "open"
    assert ticket.resolution_due_at == due + timedelta(hours=10)
    assert ticket.due_at == ticket.resolution_due_at


def test_internal_note_is_not_sent_to_the_requester(services, people, outbox):
    agent = people.staff("agent@example.com")
    ticket_id = _open(services, people.add("ada@example.com", status="banned"))
    before = len(outbox(to="ada@example.com"))
    with services(Actor("staff", agent)) as ctx:
        note = service.add_note(ctx, ctx.session.get(Ticket, ticket_id), people.user(agent), "looks legit")
    assert note.internal and len(outbox(to="ada@example.com")) == before


def test_agent_cannot_act_on_a_security_queue_ticket(services, people):
    agent = people.staff("agent@example.com", role="agent")
    ticket_id = _open(services, people.add("ada@example.com", status="locked"), category="stolen_account",
                      source="detection")
    with services(Actor("staff", agent)) as ctx, pytest.raises(PermissionDenied):
        service.reply(ctx, ctx.session.get(Ticket, ticket_id), people.user(agent), "hi")


def test_reroute_needs_a_reason_and_reassigns_in_the_new_queue(services, people):
    agent = people.staff("agent@example.com")
    l2 = people.staff("l2@example.com")
    _member(services, people, l2, queue="support-l2")
    ticket_id = _open(services, people.add("ada@example.com", status="banned"))
    with services(Actor("staff", agent)) as ctx, pytest.raises(ValidationFailed):
        service.reroute(ctx, ctx.session.get(Ticket, ticket_id), people.user(agent), queue="support-l2", reason=" ")
    with services(Actor("staff", agent)) as ctx:
        service.reroute(ctx, ctx.session.get(Ticket, ticket_id), people.user(agent), queue="support-l2",
                        priority=2, reason="needs billing access")
    ticket = people.ticket(ticket_id)
    assert (ticket.queue, ticket.priority, ticket.owner_id) == ("support-l2", 2, l2)
    with services() as ctx:
        event = ctx.session.scalar(select(TicketEvent).where(TicketEvent.type == "rerouted"))
    assert event.details["reason"] == "needs billing access" and event.actor_id == agent


def test_reroute_refuses_to_move_a_stolen_account_out_of_security(services, people):
    security = people.staff("sec@example.com", role="security")
    ticket_id = _open(services, people.add("ada@example.com", status="locked"), category="stolen_account",
                      source="detection")
    with services(Actor("staff", security)) as ctx, pytest.raises(ValidationFailed):
        service.reroute(ctx, ctx.session.get(Ticket, ticket_id), people.user(security), queue="support-l1",
                        reason="x")


def test_claim_makes_the_staff_member_owner(services, people):
    agent = people.staff("agent@example.com")
    ticket_id = _open(services, people.add("ada@example.com", status="banned"))
    with services(Actor("staff", agent)) as ctx:
        service.claim(ctx, ctx.session.get(Ticket, ticket_id), people.user(agent))
    assert people.ticket(ticket_id).owner_id == agent


def test_requester_reply_after_close_is_refused(services, people):
    ticket_id = _open(services, people.add("ada@example.com", status="banned"))
    with services() as ctx:
        ctx.session.get(Ticket, ticket_id).status = "closed"
    with services() as ctx, pytest.raises(TicketClosed):
        service.requester_reply(ctx, ctx.session.get(Ticket, ticket_id), "hello?")
