"""Who may approve a pending four-eyes decision, asked without acting: the queue's "needs my approval" view (and
any page that offers "Approve") asks the very checks `decisions.decide` makes when the approval arrives."""

from __future__ import annotations

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.tickets import decisions, queries
from recovery.tickets.models import Ticket, TicketDecision


def may_approve(ctx: ServiceContext, ticket: Ticket, decision: TicketDecision, staff: User) -> bool:
    """Whether `staff`'s matching decision would carry `decision` out: it is pending and someone else's, the
    staff member works the ticket's queue, and the accounts rule accepts them for what it does to the account
    (never their own account; an admin for a staff account's): the ticket page's own rule, decisions.may_review."""
    if decision.status != "pending" or decision.requested_by is None or not ticket.is_open:
        return False
    return decisions.may_review(ctx, ticket, staff, decision)


def approvable(ctx: ServiceContext, staff: User, ticket_ids: list[int]) -> set[int]:
    """Of these tickets, those with a pending decision `staff` may approve (one statement for all of them)."""
    return {ticket.id for ticket, decision in queries.pending_for_approval(ctx, ticket_ids)
            if may_approve(ctx, ticket, decision, staff)}
