"""What every ticket change shares: the audit trail, the SLA clock kept in step with status and hold, and
notices to the requester. Used by the service, intake, decisions and jobs modules; no Flask here."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Row

from recovery.accounts.models import User
from recovery.accounts.notify import notification_addresses
from recovery.context import ServiceContext
from recovery.outbox.service import queue_email
from recovery.tickets import sla
from recovery.tickets.access import status_link
from recovery.tickets.models import NO_DEADLINE, Ticket, TicketEvent

log = logging.getLogger("recovery.tickets")
PAUSED_STATUSES = ("waiting_on_user", "resolved", "closed")


@lru_cache(maxsize=8)
def _policy(text: str) -> dict[int, sla.Targets]:
    return sla.parse_policy(text)


def sla_policy(ctx: ServiceContext) -> dict[int, sla.Targets]:
    return _policy(ctx.settings.ticket_sla_policy)


def warn_before(ctx: ServiceContext) -> timedelta:
    return timedelta(minutes=ctx.settings.ticket_sla_warn_minutes)


def audit(ctx: ServiceContext, ticket: Ticket, type: str, **details: object) -> TicketEvent:
    """One row of the ticket's audit trail, in the caller's transaction."""
    event = TicketEvent(ticket_id=ticket.id, type=type, actor_type=ctx.actor.type, actor_id=ctx.actor.id,
                        details=details, created_at=ctx.clock.now())
    ctx.session.add(event)
    ticket.updated_at = ctx.clock.now()
    return event


def clock_of(ticket: Ticket) -> sla.SlaClock:
    return sla.SlaClock(ticket.first_response_due_at, ticket.resolution_due_at, ticket.sla_paused_at,
                        responded=ticket.first_response_at is not None)


def store_clock(ticket: Ticket, clock: sla.SlaClock) -> None:
    ticket.first_response_due_at = clock.first_response_due
    ticket.resolution_due_at = clock.resolution_due
    ticket.sla_paused_at = clock.paused_at
    ticket.due_at = sla.next_deadline(clock) or NO_DEADLINE


def on_hold(ctx: ServiceContext, ticket: Ticket | Row) -> bool:  # a Row: the status page's read
    return ticket.hold_until is not None and ctx.clock.now() < ticket.hold_until


def sync_sla(ctx: ServiceContext, ticket: Ticket) -> None:
    """Pause the SLA clock while waiting on the requester or resolved; run it otherwise (a hold is in the
    resolution deadline from the start: sla.start's `decide_from`)."""
    now = ctx.clock.now()
    clock = clock_of(ticket)
    if ticket.status in PAUSED_STATUSES:
        clock = sla.pause(clock, now)
    else:
        clock = sla.resume(clock, now)  # the periodic check resumes a held clock within a minute of the hold's end
    store_clock(ticket, clock)


def sla_state(ctx: ServiceContext, ticket: Ticket) -> dict:
    """The countdown and badge for the console and API."""
    clock = clock_of(ticket)
    breached = ticket.resolution_breached or (ticket.first_response_breached and ticket.first_response_at is None)
    return {"state": sla.state(clock, ctx.clock.now(), warn_before=warn_before(ctx), breached=breached),
            "seconds_left": int(sla.remaining(clock, ctx.clock.now()).total_seconds()),
            "first_response_due_at": ticket.first_response_due_at, "resolution_due_at": ticket.resolution_due_at}


def requester_addresses(ctx: ServiceContext, ticket: Ticket) -> list[str]:
    """A recovery request's proven new contact, else every address on file for the account."""
    if ticket.requester_email:
        return [ticket.requester_email]
    user = ctx.session.get(User, ticket.user_id) if ticket.user_id else None
    return notification_addresses(ctx, user) if user else []


def notify_requester(ctx: ServiceContext, ticket: Ticket, template: str, *, also_on_file: bool = False,
                     **context: Any) -> None:
    """Email a public change, in the ticket's language, with the status link; optionally to every address."""
    addresses = requester_addresses(ctx, ticket)
    if also_on_file and ticket.requester_email and ticket.user_id:
        user = ctx.session.get(User, ticket.user_id)
        addresses += [a for a in notification_addresses(ctx, user) if a not in addresses] if user else []
    link = status_link(ctx, ticket)
    holder = ctx.session.get(User, ticket.user_id) if ticket.user_id else None
    for address in addresses:
        # The account's time zone for its own addresses; a recovery request's new contact reads UTC.
        recipient = holder if holder is not None and address != ticket.requester_email else None
        queue_email(ctx, to=address, template=template, locale=ticket.locale, user_id=ticket.user_id,
                    ticket_id=ticket.id, subject_line=ticket.subject, status_link=link, recipient=recipient,
                    **context)
