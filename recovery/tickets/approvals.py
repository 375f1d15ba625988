"""Who may approve a pending four-eyes decision, asked without acting: the queue's "needs my approval" view (and
any page that offers "Approve") asks the very checks `decisions.decide` makes when the approval arrives."""

from __future__ import annotations

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.errors import PermissionDenied
from recovery.tickets import decisions, queries
from recovery.tickets.access import can_work
from recovery.tickets.models import Ticket, TicketDecision


def may_approve(ctx: ServiceContext, ticket: Ticket, decision: TicketDecision, staff: User) -> bool:
    """Whether `staff`'s matching decision would carry `decision` out: it is pending and someone else's, the
    staff member works the ticket's queue, and the accounts rule accepts them for what it does to the account
    (never their own account; an admin for a staff account's - decisions._check_acting_on_account)."""
    if decision.status != "pending" or decision.requested_by is None or decision.requested_by == staff.id:
        return False
    if not ticket.is_open or not can_work(staff, ticket.queue):
        return False
    try:
        decisions._check_acting_on_account(ctx, ticket, staff, list(decision.actions or ()))
    except PermissionDenied:
        return False
    return True


def approvable(ctx: ServiceContext, staff: User, ticket_ids: list[int]) -> set[int]:
    """Of these tickets, those with a pending decision `staff` may approve (one statement for all of them)."""
    return {ticket.id for ticket, decision in queries.pending_for_approval(ctx, ticket_ids)
            if may_approve(ctx, ticket, decision, staff)}
