"""Reads for the console and API: the queue (keyset pages on the open-ticket indexes), a ticket's full view,
and the account's security timeline."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import literal, select, text, tuple_
from sqlalchemy.orm import defer

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.errors import N_, ValidationFailed
from recovery.events.service import recent_events_for_user
from recovery.numbers import INT16_MAX, parse_id, parse_int
from recovery.sessions.service import recent_sessions
from recovery.tickets.access import visible_queues
from recovery.tickets.models import (
    CATEGORIES,
    OPEN_CONDITION,
    OPEN_STATUSES,
    REQUESTER_SOURCES,
    STATUSES,
    Ticket,
    TicketDecision,
    TicketEvent,
    TicketEvidence,
    TicketMessage,
)

PAGE_SIZE = 50
TIMELINE_SIZE = 100


@dataclass(frozen=True)
class QueueFilter:
    queue: str | None = None
    category: str | None = None
    status: str | None = None  # None: every open status
    owner_id: int | None = None


@dataclass(frozen=True)
class QueuePage:
    tickets: list[Ticket]
    next_cursor: str | None


def encode_cursor(ticket: Ticket) -> str:
    raw = f"{ticket.priority}|{ticket.due_at.isoformat()}|{ticket.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        priority, due_at, ticket_id = raw.split("|")
        parsed = datetime.fromisoformat(due_at)
        if parsed.tzinfo is None:
            raise ValueError("naive")
        numbers = parse_int(priority, high=INT16_MAX), parse_id(ticket_id, big=True)
        if numbers[0] is None or numbers[1] is None:
            raise ValueError("not our numbers")
        return numbers[0], parsed, numbers[1]
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed({"cursor": [N_("This page link is not valid. Start from the first page.")]}) from exc


def _check_filter(filters: QueueFilter) -> None:
    fields = {}
    if filters.category is not None and filters.category not in CATEGORIES:
        fields["category"] = [N_("Choose one of the categories.")]
    if filters.status is not None and filters.status not in STATUSES:
        fields["status"] = [N_("Choose one of the statuses.")]
    if fields:
        raise ValidationFailed(fields)


# Columns no queue page shows (console or API), left unread: three JSON documents per row were most of the
# rows' decoding. raiseload: a caller that starts using one fails in the tests instead of loading it per row.
_NOT_IN_QUEUE = tuple(defer(column, raiseload=True)
                      for column in (Ticket.signals, Ticket.attachments, Ticket.identity_checks))


def queue_query(viewer: User, filters: QueueFilter, *, cursor: str | None = None, limit: int = PAGE_SIZE):
    """The SELECT behind one queue page (the benchmark EXPLAINs this very statement).

    The open statuses are written into the SQL so PostgreSQL can use the partial indexes; the row comparison
    (priority, due_at, id) > cursor walks the index, so a deep page costs what the first does.
    """
    _check_filter(filters)
    queues = visible_queues(viewer)
    if filters.queue is not None:
        queues = [q for q in queues if q == filters.queue]
    statuses = [filters.status] if filters.status else list(OPEN_STATUSES)
    query = select(Ticket).options(*_NOT_IN_QUEUE).where(Ticket.queue.in_(queues), Ticket.status.in_(statuses))
    if any(status in OPEN_STATUSES for status in statuses):
        query = query.where(text(f"tickets.{OPEN_CONDITION}"))
    if filters.category is not None:
        query = query.where(Ticket.category == filters.category)
    if filters.owner_id is not None:
        query = query.where(Ticket.owner_id == filters.owner_id)
    if cursor:
        after = tuple_(*map(literal, decode_cursor(cursor)))  # the same bound parameters tuple_ would make
        query = query.where(tuple_(Ticket.priority, Ticket.due_at, Ticket.id) > after)
    return query.order_by(Ticket.priority, Ticket.due_at, Ticket.id).limit(limit + 1)


def list_queue(ctx: ServiceContext, viewer: User, filters: QueueFilter, *, cursor: str | None = None,
               limit: int = PAGE_SIZE) -> QueuePage:
    """Tickets ordered by priority, then SLA deadline, then id; one page after `cursor`."""
    rows = list(ctx.session.scalars(queue_query(viewer, filters, cursor=cursor, limit=limit)))
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return QueuePage(rows[:limit], next_cursor)


def thread(ctx: ServiceContext, ticket: Ticket, *, include_internal: bool) -> list[TicketMessage]:
    query = select(TicketMessage).where(TicketMessage.ticket_id == ticket.id).order_by(TicketMessage.id)
    if not include_internal:
        query = query.where(TicketMessage.internal.is_(False))
    return list(ctx.session.scalars(query))


def audit_trail(ctx: ServiceContext, ticket: Ticket) -> list[TicketEvent]:
    return list(ctx.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                    .order_by(TicketEvent.id)))


def decisions(ctx: ServiceContext, ticket: Ticket) -> list[TicketDecision]:
    return list(ctx.session.scalars(select(TicketDecision).where(TicketDecision.ticket_id == ticket.id)
                                    .order_by(TicketDecision.id)))


def evidence(ctx: ServiceContext, ticket: Ticket) -> list[TicketEvidence]:
    return list(ctx.session.scalars(select(TicketEvidence).where(TicketEvidence.ticket_id == ticket.id)
                                    .order_by(TicketEvidence.id)))


def account_timeline(ctx: ServiceContext, user_id: int | None) -> dict:
    """The account's recent security events (sign-ins, resets, MFA changes, alerts) and its sessions."""
    if user_id is None:
        return {"user": None, "events": [], "sessions": []}
    return {"user": ctx.session.get(User, user_id),
            "events": recent_events_for_user(ctx, user_id, limit=TIMELINE_SIZE),
            "sessions": recent_sessions(ctx, user_id, limit=TIMELINE_SIZE)}


def staff_names(ctx: ServiceContext, ids) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(ctx.session.execute(select(User.id, User.email).where(User.id.in_(wanted))).tuples().all())


def ticket_detail(ctx: ServiceContext, ticket: Ticket) -> dict:
    """Everything the console and API show staff about one ticket, with the account's timeline beside it."""
    timeline = account_timeline(ctx, ticket.user_id)
    return {"ticket": ticket, "messages": thread(ctx, ticket, include_internal=True),
            "audit": audit_trail(ctx, ticket), "decisions": decisions(ctx, ticket),
            "evidence": evidence(ctx, ticket), "timeline": timeline}


def requests_of_user(ctx: ServiceContext, user_id: int, *, limit: int = PAGE_SIZE) -> list[Ticket]:
    """The account holder's own requests for "My requests": the appeals and recovery requests they made
    themselves. Not a case staff or the service opened about the account (an alert's security case, the
    stolen-account case containment opened): its status link is the case's key and a signed-in session may be
    the suspect's, so that link stays in the owner's mailbox. Not a recovery request from a contact they did not
    prove either (`requester_email`: that requester's, whose status link is their only key; the owner hears of
    it by email, with a cancel link). Newest first, on ix_tickets_user_status."""
    query = (select(Ticket).options(*_NOT_IN_QUEUE)
             .where(Ticket.user_id == user_id, Ticket.requester_email.is_(None),
                    Ticket.source.in_(REQUESTER_SOURCES))
             .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit))
    return list(ctx.session.scalars(query))
