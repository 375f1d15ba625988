"""Resetting someone's second factor from a ticket: four-eyes, then the MFA capability removes the factor."""

from tests.tickets.test_decisions import _decide, _events, _ticket


def test_resetting_mfa_needs_a_second_staff_member_then_removes_the_factor(services, people, outbox):
    ada = people.add("ada@example.com")
    first = people.staff("agent1@example.com")
    second = people.staff("agent2@example.com")
    ticket_id = _ticket(services, ada, category="mfa_reset")
    assert _decide(services, people, first, ticket_id, outcome="granted", reason="Lost phone, ID checked"
                   ).status == "pending"
    assert _events(services, "mfa.reset") == []
    made = _decide(services, people, second, ticket_id, outcome="granted", reason="Lost phone, ID checked")
    assert made.status == "executed" and made.actions == ["reset_mfa"]
    (event,) = _events(services, "mfa.reset")
    assert event.actor_id == second and f"ticket {ticket_id}" in event.details["note"]
