"""Ticket decisions change an account's status with the names of who proposed and who approved it, so the accounts
capability's own rule holds: two different people to lift a ban, admins for a staff account (two to lift)."""

from __future__ import annotations

import pytest
from helpers.tickets import approve
from sqlalchemy import select

from recovery.accounts.models import AccountRestriction
from recovery.context import Actor
from recovery.errors import PermissionDenied
from recovery.events.models import SecurityEvent
from recovery.tickets import decisions, service
from recovery.tickets.errors import SecondApproverRequired
from recovery.tickets.models import Ticket


def _appeal(services, user_id: int, queue: str | None = None) -> int:
    with services() as ctx:
        return service.open_ticket(ctx, category="unblock_appeal", user_id=user_id, subject="Appeal",
                                   message="please", source="appeal", queue=queue).id


def _grant(services, people, staff_id: int, ticket_id: int):
    with services(Actor("staff", staff_id, "198.51.100.7")) as ctx:
        return decisions.decide(ctx, ctx.session.get(Ticket, ticket_id), people.user(staff_id), outcome="granted",
                                reason="Appeal accepted")


def _status_events(services, user_id: int) -> list[SecurityEvent]:
    with services() as ctx:
        return list(ctx.session.scalars(select(SecurityEvent).where(SecurityEvent.type == "account.status.changed",
                                                                    SecurityEvent.user_id == user_id)))


def test_grant_unblock_of_a_lock_records_the_deciding_staff_member_not_a_system_actor(services, people):
    ada = people.add("ada@example.com", status="locked", reason="too many reports")
    agent = people.staff("agent@example.com")
    ticket_id = _appeal(services, ada)
    assert _grant(services, people, agent, ticket_id).status == "executed"
    assert people.user(ada).status == "active"
    [event] = _status_events(services, ada)
    assert (event.actor_type, event.actor_id) == ("staff", agent)
    assert (event.details["authority"], event.details["decided_by"]) == (f"ticket:{ticket_id}", agent)


def test_grant_unblock_of_a_ban_by_two_staff_records_both_on_the_restriction(services, people):
    ada = people.add("ada@example.com", status="banned", reason="fraud")
    first, second = people.staff("agent1@example.com"), people.staff("agent2@example.com")
    ticket_id = _appeal(services, ada)
    assert _grant(services, people, first, ticket_id).status == "pending"
    with pytest.raises(SecondApproverRequired):
        _grant(services, people, first, ticket_id)
    assert approve(services, people, second, ticket_id).status == "executed"
    [ended] = people.rows(AccountRestriction, user_id=ada)
    assert (ended.kind, ended.lifted_by, ended.lift_approved_by) == ("ban", first, second)


@pytest.mark.parametrize("role", ["agent", "security"])
def test_grant_unblock_of_a_suspended_staff_account_by_a_non_admin_is_refused(services, people, role):
    suspended = people.add("agent@example.com", role=role, status="suspended", reason="Under review")
    deciders = [people.staff("sec1@example.com", "security"), people.staff("sec2@example.com", "security")]
    ticket_id = _appeal(services, suspended)
    for staff in deciders:
        with pytest.raises(PermissionDenied, match="Only an admin"):
            _grant(services, people, staff, ticket_id)
    assert people.user(suspended).status == "suspended"
    assert people.ticket(ticket_id).status == "new"


def test_grant_unblock_of_a_suspended_agent_by_two_agents_is_refused(services, people):
    suspended = people.add("agent@example.com", role="agent", status="suspended", reason="Under review")
    first, second = people.staff("agent1@example.com"), people.staff("agent2@example.com")
    ticket_id = _appeal(services, suspended, queue="support-l1")  # a queue agents work
    with pytest.raises(PermissionDenied, match="Only an admin"):
        _grant(services, people, first, ticket_id)
    with pytest.raises(PermissionDenied, match="Only an admin"):
        _grant(services, people, second, ticket_id)
    assert people.user(suspended).status == "suspended"


def test_grant_unblock_of_a_suspended_agent_by_one_admin_waits_for_a_second_admin(services, people):
    suspended = people.add("agent@example.com", role="agent", status="suspended", reason="Under review")
    first, second = people.staff("admin1@example.com", "admin"), people.staff("admin2@example.com", "admin")
    security = people.staff("sec@example.com", "security")
    ticket_id = _appeal(services, suspended)
    assert _grant(services, people, first, ticket_id).status == "pending"
    assert people.user(suspended).status == "suspended"
    with pytest.raises(PermissionDenied):  # a security member cannot be the second person for a staff account
        _grant(services, people, security, ticket_id)
    assert people.user(suspended).status == "suspended"
    assert approve(services, people, second, ticket_id).status == "executed"
    assert people.user(suspended).status == "active"
    [ended] = people.rows(AccountRestriction, user_id=suspended)
    assert (ended.kind, ended.lifted_by, ended.lift_approved_by) == ("staff_suspension", first, second)


@pytest.mark.parametrize("actions", [["revoke_sessions"], ["force_password_reset"]])
def test_grant_acting_on_an_active_staff_account_by_an_agent_is_refused_and_by_an_admin_is_done(services, people,
                                                                                                actions):
    admin = people.add("admin@example.com", role="admin")
    agent, other_admin = people.staff("agent1@example.com"), people.staff("boss@example.com", "admin")
    with services() as ctx:
        ticket_id = service.open_ticket(ctx, category="other", user_id=admin, subject="Help", message="please",
                                        source="appeal", queue="support-l1").id

    def grant(staff_id: int):
        with services(Actor("staff", staff_id, "198.51.100.7")) as ctx:
            return decisions.decide(ctx, ctx.session.get(Ticket, ticket_id), people.user(staff_id),
                                    outcome="granted", reason="Asked for it", actions=actions)

    with pytest.raises(PermissionDenied, match="Only an admin"):
        grant(agent)
    assert people.ticket(ticket_id).status == "new"
    assert grant(other_admin).status == "executed"
