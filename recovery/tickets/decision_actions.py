"""What a granted decision does to the account, one runner per action (decisions.py calls them in ACTIONS' order):
each goes through the owning capability's service, which checks its own rules again."""

from __future__ import annotations

from recovery.accounts.models import User
from recovery.accounts.service import set_account_status
from recovery.accounts.status import Approval
from recovery.context import ServiceContext
from recovery.errors import PermissionDenied
from recovery.mfa.service import reset_mfa
from recovery.reset.service import send_reset_link
from recovery.sessions.service import revoke_all_sessions
from recovery.tickets.models import Ticket, TicketDecision


def _unblock(ctx: ServiceContext, ticket: Ticket, decision: TicketDecision, user: User | None,
             approver: User | None) -> None:
    """The account change carries both names (who proposed, who approved): accounts checks them itself."""
    if user is None or user.is_active:
        return
    decided_by = ctx.session.get(User, decision.requested_by) if decision.requested_by else None
    if decided_by is None:
        raise PermissionDenied()
    set_account_status(ctx, user, status="active", reason=f"Ticket {ticket.id}: {decision.reason}"[:500],
                       approval=Approval(decided_by, approver, via=f"ticket:{ticket.id}"))


def _revoke_sessions(ctx: ServiceContext, ticket: Ticket, decision: TicketDecision, user: User | None,
                     approver: User | None) -> None:
    if user is not None:
        revoke_all_sessions(ctx, user.id, reason="ticket_decision")


def _reset_mfa(ctx: ServiceContext, ticket: Ticket, decision: TicketDecision, user: User | None,
               approver: User | None) -> None:
    if user is not None:
        reset_mfa(ctx, user, actor_note=f"ticket {ticket.id}: {decision.reason}")


def _force_password_reset(ctx: ServiceContext, ticket: Ticket, decision: TicketDecision, user: User | None,
                          approver: User | None) -> None:
    if user is None:
        return
    # A recovery request is for someone who may have lost the mailbox too: the link goes to the new contact
    # they proved by code (the hold has passed uncancelled). Otherwise, to the address on file.
    lost_mailbox = ticket.category == "account_recovery" and ticket.requester_email
    send_reset_link(ctx, user, to=ticket.requester_email if lost_mailbox else None)


ACTION_RUNNERS = {"unblock": _unblock, "revoke_sessions": _revoke_sessions, "reset_mfa": _reset_mfa,
                   "force_password_reset": _force_password_reset}
