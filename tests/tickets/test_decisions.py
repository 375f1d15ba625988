"""Decisions act on the account in the same transaction, notify, and need two staff members where risky."""

import pytest
from helpers.tickets import approve, decide, events_of
from sqlalchemy import select

from recovery.errors import PermissionDenied, ValidationFailed
from recovery.reset.models import PasswordReset
from recovery.sessions.models import UserSession
from recovery.sessions.service import start_session
from recovery.tickets import decision_actions, service
from recovery.tickets.errors import AlreadyDecided, ProposalWaiting, SecondApproverRequired
from recovery.tickets.models import TicketDecision


def _ticket(services, user_id, category="unblock_appeal", source="appeal") -> int:
    with services() as ctx:
        return service.open_ticket(ctx, category=category, user_id=user_id, subject="Appeal", message="please",
                                   source=source).id


def test_granting_an_unblock_appeal_reactivates_the_account_and_tells_the_user(services, people, outbox):
    ada = people.add("ada@example.com", status="locked", reason="too many reports")
    agent = people.staff("agent@example.com")
    ticket_id = _ticket(services, ada)
    made = decide(services, people, agent, ticket_id, outcome="granted", reason="Reports were false",
                   message="Welcome back.")
    assert made.status == "executed" and made.actions == ["unblock"]
    user = people.user(ada)
    assert user.status == "active"
    ticket = people.ticket(ticket_id)
    assert (ticket.status, ticket.outcome) == ("resolved", "granted")
    event = events_of(services, "ticket.decision.granted")[0]
    assert event.user_id == ada and event.details["decided_by"] == agent and event.actor_id == agent
    assert events_of(services, "account.status.changed")[0].details["status"] == "active"
    decision_mail = outbox(to="ada@example.com", template="ticket_decision")[-1]
    assert "Reports were false" in decision_mail.payload["text"] and "Welcome back." in decision_mail.payload["text"]


def test_a_denial_keeps_the_account_blocked_and_says_why_and_when(services, people, outbox, clock):
    ada = people.add("ada@example.com", status="suspended", reason="spam")
    agent = people.staff("agent@example.com")
    ticket_id = _ticket(services, ada)
    made = decide(services, people, agent, ticket_id, outcome="denied", reason="Spam confirmed",
                   appeal_again_days=14)
    assert people.user(ada).status == "suspended"
    assert made.appeal_again_after.date().isoformat() == "2026-03-16"
    text = outbox(to="ada@example.com", template="ticket_decision")[-1].payload["text"]
    assert "Spam confirmed" in text and "Mar 16, 2026" in text  # the one date format of emails


def test_a_denial_cannot_carry_account_actions(services, people):
    ticket_id = _ticket(services, people.add("ada@example.com", status="banned"))
    agent = people.staff("agent@example.com")
    with pytest.raises(ValidationFailed):
        decide(services, people, agent, ticket_id, outcome="denied", reason="no", actions=["unblock"])


def test_lifting_a_ban_needs_a_second_staff_member(services, people, outbox):
    ada = people.add("ada@example.com", status="banned", reason="fraud")
    first = people.staff("agent1@example.com")
    second = people.staff("agent2@example.com")
    ticket_id = _ticket(services, ada)
    pending = decide(services, people, first, ticket_id, outcome="granted", reason="Mistaken identity")
    assert pending.status == "pending" and people.user(ada).status == "banned"
    assert not outbox(template="ticket_decision")
    with pytest.raises(SecondApproverRequired):
        decide(services, people, first, ticket_id, outcome="granted", reason="Mistaken identity")
    with pytest.raises(ProposalWaiting):  # a decision that only matches it would carry it out unread
        decide(services, people, second, ticket_id, outcome="granted", reason="Looks right to me")
    done = approve(services, people, second, ticket_id)
    assert done.id == pending.id and done.status == "executed"
    assert (done.requested_by, done.approved_by) == (first, second)
    assert people.user(ada).status == "active"
    event = events_of(services, "ticket.decision.granted")[0]
    assert (event.details["decided_by"], event.details["approved_by"]) == (first, second)


def test_four_eyes_a_different_second_call_replaces_the_pending_one(services, people):
    ada = people.add("ada@example.com", status="banned")
    first = people.staff("agent1@example.com")
    second = people.staff("agent2@example.com")
    ticket_id = _ticket(services, ada)
    decide(services, people, first, ticket_id, outcome="granted", reason="ok")
    denied = decide(services, people, second, ticket_id, outcome="denied", reason="Fraud is real")
    assert denied.status == "executed" and people.user(ada).status == "banned"
    with services() as ctx:
        statuses = [d.status for d in ctx.session.scalars(select(TicketDecision).order_by(TicketDecision.id))]
    assert statuses == ["superseded", "executed"]


class TestWithoutFourEyes:
    @pytest.fixture
    def app(self, make_app):
        return make_app(ticket_four_eyes=False)

    def test_lifting_a_ban_happens_at_once(self, services, people):
        ada = people.add("ada@example.com", status="banned")
        agent = people.staff("agent@example.com")
        made = decide(services, people, agent, _ticket(services, ada), outcome="granted", reason="ok")
        assert made.status == "executed" and people.user(ada).status == "active"


def test_unblocking_a_locked_account_needs_no_second_approval(services, people):
    ada = people.add("ada@example.com", status="locked")
    agent = people.staff("agent@example.com")
    made = decide(services, people, agent, _ticket(services, ada), outcome="granted", reason="ok")
    assert made.status == "executed"


def test_stolen_account_recovery_revokes_sessions_unblocks_and_sends_a_reset_link(services, people, outbox):
    ada = people.add("ada@example.com", status="locked", reason="Reported stolen by its owner")
    with services() as ctx:
        start_session(ctx, ada, kind="browser")
    sec1 = people.staff("sec1@example.com", role="security")
    sec2 = people.staff("sec2@example.com", role="security")
    ticket_id = _ticket(services, ada, category="stolen_account", source="detection")
    assert decide(services, people, sec1, ticket_id, outcome="granted", reason="Owner verified").status == "pending"
    made = approve(services, people, sec2, ticket_id)
    assert made.actions == ["revoke_sessions", "unblock", "force_password_reset"]
    assert people.user(ada).status == "active"
    with services() as ctx:
        assert all(s.revoked_at for s in ctx.session.scalars(select(UserSession).where(UserSession.user_id == ada)))
        assert ctx.session.scalar(select(PasswordReset).where(PasswordReset.user_id == ada)) is not None
    assert outbox(to="ada@example.com", template="reset_link")


def test_an_agent_cannot_decide_outside_their_queues(services, people):
    ada = people.add("ada@example.com", status="locked")
    agent = people.staff("agent@example.com", role="agent")
    ticket_id = _ticket(services, ada, category="stolen_account", source="detection")
    with pytest.raises(PermissionDenied):
        decide(services, people, agent, ticket_id, outcome="denied", reason="no")


def test_a_decided_ticket_cannot_be_decided_again(services, people):
    ada = people.add("ada@example.com", status="locked")
    agent = people.staff("agent@example.com")
    ticket_id = _ticket(services, ada)
    decide(services, people, agent, ticket_id, outcome="ineligible", reason="Not our service")
    with pytest.raises(AlreadyDecided):
        decide(services, people, agent, ticket_id, outcome="granted", reason="changed my mind")


def test_a_failure_midway_rolls_back_the_whole_decision(client, services, people, monkeypatch):
    """The account change, the decision row, the ticket and the emails are one transaction."""
    def broken(ctx, user):
        raise RuntimeError("mail relay exploded")

    monkeypatch.setattr(decision_actions, "send_reset_link", broken)
    ada = people.add("ada@example.com", status="locked", reason="stolen")
    ticket_id = _ticket(services, ada, category="account_recovery", source="recovery_request")
    response = client.post(f"/api/v1/tickets/{ticket_id}/decisions",
                           json={"outcome": "granted", "reason": "ok",
                                 "actions": ["revoke_sessions", "unblock", "force_password_reset"]},
                           headers=people.headers(people.staff("agent@example.com")))
    assert response.status_code == 500
    assert people.user(ada).status == "locked"
    assert people.ticket(ticket_id).status == "new"
    with services() as ctx:
        assert ctx.session.scalars(select(TicketDecision)).all() == []
    assert events_of(services, "ticket.decision.granted") == []


def test_granted_recovery_sends_the_reset_link_to_the_proven_new_contact_not_the_lost_mailbox(
        services, people, outbox):
    ada = people.add("ada@example.com", status="locked", reason="lost every factor")
    with services() as ctx:
        ticket_id = service.open_ticket(ctx, category="account_recovery", user_id=ada, subject="Recovery",
                                        message="I lost my phone and my mailbox", source="recovery_request",
                                        requester_email="ada.new@example.net", hold_hours=0).id
    agent = people.staff("agent@example.com")
    made = decide(services, people, agent, ticket_id, outcome="granted", reason="Identity matched")
    assert made.status == "executed" and "force_password_reset" in made.actions
    assert outbox(to="ada.new@example.net", template="reset_link")
    assert not outbox(to="ada@example.com", template="reset_link")
    sent = events_of(services, "account.password.reset_link_sent")
    assert [event.details["to_new_contact"] for event in sent] == [True]


def test_lifting_a_stolen_lock_needs_two_staff_whatever_the_ticket_category(services, people):
    ada = people.add("ada@example.com", status="locked", reason="Reported stolen by its owner")
    with services() as ctx:
        ticket_id = service.open_ticket(ctx, category="account_recovery", user_id=ada, subject="Recovery",
                                        message="let me back in", source="recovery_request",
                                        requester_email="someone@example.net", hold_hours=0).id
    security = people.staff("sec@example.com", role="security")
    made = decide(services, people, security, ticket_id, outcome="granted", reason="Looks fine")
    assert made.status == "pending"
    assert people.user(ada).status == "locked"


def test_a_second_factor_cannot_be_reset_from_an_unheld_appeal(services, people):
    ada = people.add("ada@example.com", status="locked")
    ticket_id = _ticket(services, ada)  # an unblock appeal: no security hold, no cancel link sent
    security = people.staff("sec@example.com", role="security")
    with pytest.raises(ValidationFailed):
        decide(services, people, security, ticket_id, outcome="granted", reason="ok", actions=["reset_mfa"])
    assert people.ticket(ticket_id).status == "new"
