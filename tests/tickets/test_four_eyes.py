"""Four-eyes on a proposal: a second permitted staff member approves it (carried out with both names) or rejects
it with a reason; its proposer withdraws it, or is refused as their own approver; each step is an event and an
audit entry, and the one rule of accounts.restrictions still decides who may act."""

import pytest
from helpers.tickets import decide, events_of
from sqlalchemy import select

from recovery.accounts.models import AccountRestriction
from recovery.context import Actor
from recovery.errors import PermissionDenied, ValidationFailed
from recovery.tickets import decisions, service
from recovery.tickets.errors import ProposalChanged, SecondApproverRequired
from recovery.tickets.models import Ticket, TicketDecision, TicketEvent, TicketMessage


def _banned_appeal(services, people, status="banned", role="user", queue=None) -> tuple[int, int]:
    ada = people.add("ada@example.com", role=role, status=status, reason="fraud")
    with services() as ctx:
        ticket = service.open_ticket(ctx, category="unblock_appeal", user_id=ada, subject="Appeal",
                                     message="please", source="appeal", queue=queue)
        return ada, ticket.id


def _propose(services, people, staff_id, ticket_id) -> int:
    made = decide(services, people, staff_id, ticket_id, outcome="granted", reason="Mistaken identity",
                  message="Welcome back")
    assert made.status == "pending"
    return made.id


def _step(services, people, step: str, staff_id: int, ticket_id: int, decision_id: int, **kwargs):
    with services(Actor("staff", staff_id, "198.51.100.7")) as ctx:
        ticket = ctx.session.get(Ticket, ticket_id)
        return getattr(decisions, step)(ctx, ticket, people.user(staff_id), decision_id, **kwargs)


def _audit_types(services, ticket_id) -> list[str]:
    with services() as ctx:
        return list(ctx.session.scalars(select(TicketEvent.type).where(TicketEvent.ticket_id == ticket_id)
                                        .order_by(TicketEvent.id)))


def test_approve_by_a_second_staff_member_carries_out_the_proposal_with_both_names(services, people, outbox):
    ada, ticket_id = _banned_appeal(services, people)
    first, second = people.staff("agent1@example.com"), people.staff("agent2@example.com")
    proposal = _propose(services, people, first, ticket_id)
    done = _step(services, people, "approve", second, ticket_id, proposal)
    assert (done.id, done.status, done.requested_by, done.approved_by) == (proposal, "executed", first, second)
    assert people.user(ada).status == "active"
    assert people.ticket(ticket_id).outcome == "granted"
    [ended] = people.rows(AccountRestriction, user_id=ada)
    assert (ended.lifted_by, ended.lift_approved_by) == (first, second)
    [approved] = events_of(services, "ticket.proposal.approved")
    assert (approved.details["requested_by"], approved.details["approved_by"]) == (first, second)
    assert events_of(services, "ticket.decision.granted")[0].details["approved_by"] == second
    assert "decision.approved" in _audit_types(services, ticket_id)
    assert outbox(to="ada@example.com", template="ticket_decision")


def test_approve_by_the_proposer_is_refused_and_changes_nothing(services, people):
    ada, ticket_id = _banned_appeal(services, people)
    first = people.staff("agent1@example.com")
    proposal = _propose(services, people, first, ticket_id)
    with pytest.raises(SecondApproverRequired):
        _step(services, people, "approve", first, ticket_id, proposal)
    assert people.user(ada).status == "banned"
    assert people.rows(TicketDecision, id=proposal)[0].status == "pending"
    assert not events_of(services, "ticket.proposal.approved")


def test_approve_of_a_proposal_that_was_replaced_is_refused(services, people):
    ada, ticket_id = _banned_appeal(services, people)
    first, second = people.staff("agent1@example.com"), people.staff("agent2@example.com")
    seen = _propose(services, people, first, ticket_id)
    decide(services, people, first, ticket_id, outcome="granted", reason="Other words",
           actions=["revoke_sessions", "unblock"])  # a new proposal supersedes the one the approver read
    with pytest.raises(ProposalChanged):
        _step(services, people, "approve", second, ticket_id, seen)
    assert people.user(ada).status == "banned"


def test_approve_follows_the_one_rule_an_agent_cannot_lift_a_staff_suspension(services, people):
    suspended, ticket_id = _banned_appeal(services, people, status="suspended", role="agent", queue="support-l1")
    admin, agent = people.staff("admin1@example.com", "admin"), people.staff("agent1@example.com")
    proposal = _propose(services, people, admin, ticket_id)
    with services() as ctx:
        ticket, pending = ctx.session.get(Ticket, ticket_id), ctx.session.get(TicketDecision, proposal)
        assert not decisions.may_review(ctx, ticket, people.user(agent), pending)
        assert not decisions.may_review(ctx, ticket, people.user(admin), pending)  # the proposer
        assert decisions.may_review(ctx, ticket, people.user(people.staff("admin2@example.com", "admin")), pending)
    with pytest.raises(PermissionDenied):
        _step(services, people, "approve", agent, ticket_id, proposal)
    with pytest.raises(PermissionDenied):
        _step(services, people, "reject", agent, ticket_id, proposal, reason="no")
    assert people.user(suspended).status == "suspended"


def test_reject_needs_a_reason_leaves_the_account_and_tells_the_proposer_why(services, people, outbox):
    ada, ticket_id = _banned_appeal(services, people)
    first, second = people.staff("agent1@example.com"), people.staff("agent2@example.com")
    proposal = _propose(services, people, first, ticket_id)
    with pytest.raises(ValidationFailed):
        _step(services, people, "reject", second, ticket_id, proposal, reason="  ")
    with pytest.raises(SecondApproverRequired):
        _step(services, people, "reject", first, ticket_id, proposal, reason="changed my mind")
    rejected = _step(services, people, "reject", second, ticket_id, proposal, reason="The reports check out")
    assert rejected.status == "rejected" and people.user(ada).status == "banned"
    ticket = people.ticket(ticket_id)
    assert ticket.is_open and ticket.outcome is None
    notes = people.rows(TicketMessage, ticket_id=ticket_id, internal=True)
    assert [(n.author_id, n.body) for n in notes][-1] == (second, "The reports check out")
    [event] = events_of(services, "ticket.proposal.rejected")
    assert (event.details["requested_by"], event.details["by"]) == (first, second)
    assert "decision.rejected" in _audit_types(services, ticket_id)
    assert not outbox(template="ticket_decision")
    with services() as ctx:
        assert decisions.pending_decision(ctx, ctx.session.get(Ticket, ticket_id)) is None


def test_withdraw_only_by_the_proposer(services, people):
    ada, ticket_id = _banned_appeal(services, people)
    first, second = people.staff("agent1@example.com"), people.staff("agent2@example.com")
    proposal = _propose(services, people, first, ticket_id)
    with pytest.raises(PermissionDenied):
        _step(services, people, "withdraw", second, ticket_id, proposal)
    withdrawn = _step(services, people, "withdraw", first, ticket_id, proposal)
    assert withdrawn.status == "withdrawn" and people.user(ada).status == "banned"
    assert events_of(services, "ticket.proposal.withdrawn")[0].details["by"] == first
    assert "decision.withdrawn" in _audit_types(services, ticket_id)
    with pytest.raises(ProposalChanged):  # nothing is pending any more: approving it is refused
        _step(services, people, "approve", second, ticket_id, proposal)


def test_every_path_needs_two_people_the_decide_call_too(services, people):
    """The API's path (decide again with the same decision) and the page's approve agree: one person alone never
    lifts a ban, whichever they use."""
    ada, ticket_id = _banned_appeal(services, people)
    first = people.staff("agent1@example.com")
    proposal = _propose(services, people, first, ticket_id)
    with pytest.raises(SecondApproverRequired):
        decide(services, people, first, ticket_id, outcome="granted", reason="Mistaken identity")
    with pytest.raises(SecondApproverRequired):
        _step(services, people, "approve", first, ticket_id, proposal)
    assert people.user(ada).status == "banned"


def test_api_approve_reject_withdraw_hold_to_two_people(client, services, people):
    ada, ticket_id = _banned_appeal(services, people)
    first, second = people.staff("agent1@example.com"), people.staff("agent2@example.com")
    base = f"/api/v1/tickets/{ticket_id}/decisions"
    proposed = client.post(base, json={"outcome": "granted", "reason": "Mistaken identity"},
                           headers=people.headers(first))
    assert proposed.status_code == 202
    proposal = proposed.json["id"]
    own = client.post(f"{base}/{proposal}/approve", headers=people.headers(first))
    assert own.status_code == 409 and own.json["error"]["code"] == "second_approver_required"
    assert client.post(f"{base}/{proposal}/withdraw", headers=people.headers(second)).status_code == 403
    empty = client.post(f"{base}/{proposal}/reject", json={"reason": ""}, headers=people.headers(second))
    assert empty.status_code == 400
    rejected = client.post(f"{base}/{proposal}/reject", json={"reason": "Reports check out"},
                           headers=people.headers(second))
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    again = client.post(base, json={"outcome": "granted", "reason": "New evidence"}, headers=people.headers(first))
    withdrawn = client.post(f"{base}/{again.json['id']}/withdraw", headers=people.headers(first))
    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"
    third = client.post(base, json={"outcome": "granted", "reason": "Checked twice"}, headers=people.headers(first))
    assert client.post(f"{base}/{proposal}/approve", headers=people.headers(second)).status_code == 409  # stale
    approved = client.post(f"{base}/{third.json['id']}/approve", headers=people.headers(second))
    assert approved.status_code == 201 and approved.json["approved_by"] == second
    assert people.user(ada).status == "active"
