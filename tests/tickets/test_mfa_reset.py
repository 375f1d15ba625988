"""Resetting someone's second factor from a ticket: four-eyes, then the MFA capability removes the factor."""

from helpers.tickets import approve, decide, events_of

from recovery.tickets import service


def test_resetting_mfa_needs_a_second_staff_member_then_removes_the_factor(services, people, outbox, clock):
    ada = people.add("ada@example.com")
    first = people.staff("agent1@example.com")
    second = people.staff("agent2@example.com")
    with services() as ctx:  # a request whose security hold has passed without a cancellation
        ticket_id = service.open_ticket(ctx, category="mfa_reset", user_id=ada, subject="Lost phone",
                                        message="please", source="appeal", hold_hours=72).id
    clock.advance(hours=73)
    assert decide(services, people, first, ticket_id, outcome="granted", reason="Lost phone, ID checked"
                   ).status == "pending"
    assert events_of(services, "mfa.reset") == []
    made = approve(services, people, second, ticket_id)
    assert made.status == "executed" and made.actions == ["reset_mfa"]
    (event,) = events_of(services, "mfa.reset")
    assert event.actor_id == second and f"ticket {ticket_id}" in event.details["note"]
