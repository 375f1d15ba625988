"""Bulk claim and route from the queue: each ticket checked as a single claim or route is, a refusal reported by
ticket and leaving that ticket untouched, the others changed; one form with a CSRF token."""

from helpers.csrf import csrf_from
from sqlalchemy import select

from recovery.accounts.models import User
from recovery.tickets import bulk, service
from recovery.tickets.models import TicketEvent

PAGE = "/staff/tickets"


def _open(services, user_id, *, category="unblock_appeal") -> int:
    with services() as ctx:
        return service.open_ticket(ctx, category=category, user_id=user_id, subject="Appeal", message="please",
                                   source="appeal").id


def _events(services, ticket_id: int, type_: str) -> list[TicketEvent]:
    with services() as ctx:
        return list(ctx.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id,
                                                                  TicketEvent.type == type_)))


def test_bulk_claim_takes_what_the_role_may_and_reports_the_rest(services, people):
    agent = people.staff("agent@example.com")
    first = _open(services, people.add("a@example.com", status="locked"))
    second = _open(services, people.add("b@example.com", status="locked"))
    stolen = _open(services, people.add("c@example.com", status="locked"), category="stolen_account")
    with services() as ctx:
        result = bulk.bulk_claim(ctx, ctx.session.get(User, agent), [first, stolen, second, 999_999])
    assert result.changed == [first, second]
    assert [(ticket_id, msgid) for ticket_id, msgid, _ in result.refused] == [
        (stolen, "This ticket is in a queue your role does not work."),
        (999_999, "We could not find what you asked for.")]
    assert people.ticket(first).owner_id == agent and people.ticket(second).owner_id == agent
    assert people.ticket(stolen).owner_id != agent and _events(services, stolen, "claimed") == []


def test_a_refused_route_leaves_its_ticket_whole_and_moves_the_others(services, people):
    """The stolen-account case's refusal comes after nothing was written; the savepoint is what keeps a
    refusal that comes later (half a change) from staying."""
    security = people.staff("sec@example.com", role="security")
    appeal = _open(services, people.add("a@example.com", status="locked"))
    stolen = _open(services, people.add("b@example.com", status="locked"), category="stolen_account")
    before = people.ticket(stolen)
    with services() as ctx:
        result = bulk.bulk_route(ctx, ctx.session.get(User, security), [stolen, appeal], queue="support-l2",
                                 reason="Needs level 2")
    assert result.changed == [appeal] and [r[0] for r in result.refused] == [stolen]
    assert result.refused[0][1] == "A stolen account stays a P1 ticket in the security queue."
    assert people.ticket(appeal).queue == "support-l2"
    after = people.ticket(stolen)
    assert (after.queue, after.priority, after.updated_at) == (before.queue, before.priority, before.updated_at)
    assert _events(services, stolen, "rerouted") == [] and len(_events(services, appeal, "rerouted")) == 1


def test_a_change_that_fails_half_way_is_rolled_back_for_that_ticket_alone(services, people, monkeypatch):
    agent = people.staff("agent@example.com")
    first = _open(services, people.add("a@example.com", status="locked"))
    second = _open(services, people.add("b@example.com", status="locked"))
    real_claim = service.claim

    def claim_then_fail(ctx, ticket, staff):
        real_claim(ctx, ticket, staff)  # owner set, audit row added and flushed
        if ticket.id == first:
            raise service.ValidationFailed({"ticket": ["Refused after writing."]})
        return ticket

    monkeypatch.setattr(bulk.service, "claim", claim_then_fail)
    with services() as ctx:
        result = bulk.bulk_claim(ctx, ctx.session.get(User, agent), [first, second])
    assert result.changed == [second] and result.refused[0][:2] == (first, "Refused after writing.")
    assert people.ticket(first).owner_id is None and _events(services, first, "claimed") == []
    assert people.ticket(second).owner_id == agent


def test_the_bulk_form_claims_and_says_which_tickets_were_not_changed(client, services, people):
    agent = people.staff("agent@example.com")
    mine = _open(services, people.add("a@example.com", status="locked"))
    other = _open(services, people.add("b@example.com", status="locked"))
    people.sign_in(agent)
    token = csrf_from(client.get(PAGE).get_data(as_text=True))
    response = client.post(f"{PAGE}/bulk", data={"csrf_token": token, "action": "claim", "view": "unassigned",
                                                  "ticket_ids": [str(mine), str(other), "424242"]})
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/tickets?view=unassigned")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You own 2 tickets now." in html and "Ticket #424242 was not changed" in html
    assert people.ticket(mine).owner_id == agent and people.ticket(other).owner_id == agent


def test_the_bulk_form_routes_with_a_reason_and_in_chinese(client, services, people):
    agent = people.add("agent@example.com", role="agent", locale="zh_Hans")
    ticket_id = _open(services, people.add("a@example.com", status="locked"))
    people.sign_in(agent)
    token = csrf_from(client.get(PAGE).get_data(as_text=True))
    no_reason = client.post(f"{PAGE}/bulk", data={"csrf_token": token, "action": "route", "queue": "support-l2",
                                                   "ticket_ids": [str(ticket_id)]}, follow_redirects=True)
    assert f"工单 #{ticket_id} 未更改" in no_reason.get_data(as_text=True)
    assert people.ticket(ticket_id).queue == "support-l1"
    moved = client.post(f"{PAGE}/bulk", data={"csrf_token": token, "action": "route", "queue": "support-l2",
                                               "reason": "二线处理", "ticket_ids": [str(ticket_id)]},
                        follow_redirects=True)
    assert "已转移 1 个工单。" in moved.get_data(as_text=True) and people.ticket(ticket_id).queue == "support-l2"


def test_the_bulk_form_needs_its_csrf_token_and_a_ticket(client, services, people):
    agent = people.staff("agent@example.com")
    ticket_id = _open(services, people.add("a@example.com", status="locked"))
    people.sign_in(agent)
    refused = client.post(f"{PAGE}/bulk", data={"action": "claim", "ticket_ids": [str(ticket_id)]})
    assert refused.status_code in (400, 403) and people.ticket(ticket_id).owner_id is None
    token = csrf_from(client.get(PAGE).get_data(as_text=True))
    assert client.post(f"{PAGE}/bulk", data={"csrf_token": token, "action": "claim"}).status_code == 400
