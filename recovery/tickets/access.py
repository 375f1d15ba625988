"""Who may see and act on a ticket: staff by role and queue; requesters only through the ticket's signed link."""

from __future__ import annotations

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.errors import N_, NotFound, PermissionDenied, TokenInvalid
from recovery.numbers import parse_id
from recovery.tickets.models import QUEUES, Ticket

# Support agents work the support queues; the security queue (stolen accounts, takeovers) is the security
# team's. Admins pass every check.
QUEUE_ROLES = {"support-l1": ("agent", "security"), "support-l2": ("agent", "security"), "security": ("security",)}
_STATUS_PURPOSE = "ticket-status"
_CANCEL_PURPOSE = "ticket-cancel"


def can_work(user: User, queue: str) -> bool:
    return user.is_active and (user.role == "admin" or user.role in QUEUE_ROLES.get(queue, ()))


def visible_queues(user: User) -> list[str]:
    return [queue for queue in QUEUES if can_work(user, queue)]


def require_staff_access(user: User, ticket: Ticket) -> None:
    if not can_work(user, ticket.queue):
        raise PermissionDenied(N_("This ticket is in a queue your role does not work."))


def _signature(ctx: ServiceContext, ticket: Ticket, purpose: str) -> str:
    return ctx.tokens.digest(f"{ticket.id}|{ticket.access_nonce}", purpose)


def _token(ctx: ServiceContext, ticket: Ticket, purpose: str) -> str:
    return f"{ticket.id}.{_signature(ctx, ticket, purpose)}"


def _token_id(token: str) -> tuple[int | None, str]:
    """The ticket id a link names (None when it names none) and its signature, not yet checked."""
    ticket_id, _, signature = (token or "").partition(".")
    return parse_id(ticket_id, big=True), signature


def _token_matches(ctx: ServiceContext, ticket_id: int, access_nonce: str, purpose: str, signature: str) -> bool:
    return ctx.tokens.matches(f"{ticket_id}|{access_nonce}", purpose, signature)


def _ticket_for(ctx: ServiceContext, token: str, purpose: str) -> Ticket:
    known, signature = _token_id(token)
    ticket = ctx.session.get(Ticket, known) if known is not None else None
    if ticket is None or not _token_matches(ctx, ticket.id, ticket.access_nonce, purpose, signature):
        raise TokenInvalid()
    return ticket


def status_token(ctx: ServiceContext, ticket: Ticket) -> str:
    """The secret part of the status page's link: an HMAC over the ticket id and its rotatable nonce."""
    return _token(ctx, ticket, _STATUS_PURPOSE)


def status_link(ctx: ServiceContext, ticket: Ticket) -> str:
    """Absolute link to the requester's status page (works from any device, without signing in)."""
    return ctx.link("tickets_intake.status", token=status_token(ctx, ticket))


def ticket_for_status_token(ctx: ServiceContext, token: str) -> Ticket:
    return _ticket_for(ctx, token, _STATUS_PURPOSE)


def status_token_ticket_id(token: str) -> int:
    """The ticket a status link names, before anything is read (TokenInvalid when it names none); the reader
    then checks the link on the row it read (check_status_token) before it shows anything of it."""
    known, _signature = _token_id(token)
    if known is None:
        raise TokenInvalid()
    return known


def check_status_token(ctx: ServiceContext, token: str, ticket_id: int | None, access_nonce: str | None) -> None:
    """TokenInvalid unless `token` is the status link of the ticket read (None: no such ticket)."""
    if ticket_id is None or access_nonce is None \
            or not _token_matches(ctx, ticket_id, access_nonce, _STATUS_PURPOSE, _token_id(token)[1]):
        raise TokenInvalid()


def cancel_link(ctx: ServiceContext, ticket: Ticket) -> str:
    """Sent only to the addresses already on file: lets the account's owner stop a recovery request."""
    return ctx.link("tickets_intake.cancel", token=_token(ctx, ticket, _CANCEL_PURPOSE))


def ticket_for_cancel_token(ctx: ServiceContext, token: str) -> Ticket:
    return _ticket_for(ctx, token, _CANCEL_PURPOSE)


def get_ticket(ctx: ServiceContext, ticket_id: int) -> Ticket:
    ticket = ctx.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound()
    return ticket


def staff_ticket(ctx: ServiceContext, staff: User, ticket_id: int) -> Ticket:
    """The ticket, if this staff member's role works its queue (403 otherwise, 404 when there is none)."""
    ticket = get_ticket(ctx, ticket_id)
    require_staff_access(staff, ticket)
    return ticket
