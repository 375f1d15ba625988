"""Reads for the console and API: the queue (keyset pages on the open-ticket indexes), a ticket's full view,
and the account's security timeline."""

from __future__ import annotations

import base64
from collections import namedtuple
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import cast

from sqlalchemy import Integer, Table, and_, bindparam, literal, select, text, tuple_
from sqlalchemy.orm import aliased, defer

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.db import read_alone
from recovery.errors import N_, ValidationFailed
from recovery.events.service import recent_events_for_user
from recovery.numbers import INT16_MAX, parse_id, parse_int
from recovery.sessions.service import recent_sessions
from recovery.tickets.access import visible_queues
from recovery.tickets.models import (
    CATEGORIES,
    NO_DEADLINE,
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


# The queue's saved views, each a URL (/staff/tickets?view=<name>): "all" is the queue as it always was.
VIEWS = ("all", "mine", "unassigned", "approval", "breaching", "stolen")
BREACHING_WITHIN = timedelta(hours=1)


@dataclass(frozen=True)
class QueueFilter:
    queue: str | None = None
    category: str | None = None
    status: str | None = None  # None: every open status
    owner_id: int | None = None
    view: str = "all"


@dataclass(frozen=True)
class QueuePage:
    tickets: list[Ticket]
    next_cursor: str | None


def encode_cursor(ticket) -> str:
    """The cursor after `ticket` (a Ticket, or a console row with its priority, due_at and id)."""
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
    if filters.view not in VIEWS:
        fields["view"] = [N_("Choose one of the saved views.")]
    if fields:
        raise ValidationFailed(fields)


# Columns no queue page shows (console or API), left unread: three JSON documents per row were most of the
# rows' decoding. raiseload: a caller that starts using one fails in the tests instead of loading it per row.
_NOT_IN_QUEUE = tuple(defer(column, raiseload=True)
                      for column in (Ticket.signals, Ticket.attachments, Ticket.identity_checks))


def queue_query(viewer: User, filters: QueueFilter, *, cursor: str | None = None, limit: int = PAGE_SIZE,
                now: datetime | None = None):
    """The SELECT behind one queue page (the benchmark EXPLAINs this very statement).

    The open statuses are written into the SQL so PostgreSQL can use the partial indexes; the row comparison
    (priority, due_at, id) > cursor walks the index, so a deep page costs what the first does.
    """
    shape = _shape(viewer, filters, cursor)
    after = tuple(map(literal, decode_cursor(cursor))) if cursor else None  # the bound parameters tuple_ makes
    return _build(shape, select(Ticket).options(*_NOT_IN_QUEUE), owner_id=filters.owner_id, viewer_id=viewer.id,
                  breach_before=_breach_before(filters, now), after=after, limit=limit + 1)


@dataclass(frozen=True)
class _Shape:
    """What decides a queue statement's SQL text (the values are parameters)."""

    queues: tuple[str, ...]
    status: str | None
    category: str | None
    by_owner: bool
    view: str
    after: bool


def _shape(viewer: User, filters: QueueFilter, cursor: str | None) -> _Shape:
    _check_filter(filters)
    queues = tuple(q for q in visible_queues(viewer) if filters.queue is None or q == filters.queue)
    return _Shape(queues, filters.status, filters.category, filters.owner_id is not None, filters.view,
                  bool(cursor))


def _breach_before(filters: QueueFilter, now: datetime | None) -> datetime | None:
    if filters.view != "breaching":
        return None
    if now is None:
        raise ValueError("the breaching view needs the time")
    return now + BREACHING_WITHIN


def _build(shape: _Shape, query, *, owner_id, viewer_id, breach_before, after, limit, tickets=Ticket,
           decisions=TicketDecision):
    """The statement of `shape` with these values, which are Python values or bound parameters
    (`console_statement` builds it once with parameters). `tickets` and `decisions` name the columns: the ORM
    classes' attributes (a statement of Ticket entities), or the tables' columns (a Core statement)."""
    statuses = [shape.status] if shape.status else list(OPEN_STATUSES)
    # Each value its own parameter: an IN of a list is one "expanding" parameter that every execution of the
    # statement built once would expand into these same parameters again (about 0.1 ms a page).
    query = query.where(tickets.queue.in_(list(map(literal, shape.queues))),
                        tickets.status.in_(list(map(literal, statuses))))
    if any(status in OPEN_STATUSES for status in statuses):
        query = query.where(text(f"tickets.{OPEN_CONDITION}"))
    if shape.category is not None:
        query = query.where(tickets.category == shape.category)
    if shape.by_owner:
        query = query.where(tickets.owner_id == owner_id)
    query = _in_view(query, shape.view, viewer_id, breach_before, tickets, decisions)
    if shape.after:
        query = query.where(tuple_(tickets.priority, tickets.due_at, tickets.id) > tuple_(*after))
    return query.order_by(tickets.priority, tickets.due_at, tickets.id).limit(limit)


def _in_view(query, view: str, viewer_id, breach_before, tickets, decisions):
    """The saved view's condition. "approval" narrows to proposals someone else made; whether this viewer may
    approve each is the decisions rule's to say (`approvals.approvable`), not SQL's."""
    if view == "mine":
        return query.where(tickets.owner_id == viewer_id)
    if view == "unassigned":
        return query.where(tickets.owner_id.is_(None))
    if view == "stolen":
        return query.where(tickets.category == "stolen_account")
    if view == "breaching":  # running clocks only (a paused one sorts at NO_DEADLINE); overdue ones included
        return query.where(tickets.due_at <= breach_before, tickets.due_at < NO_DEADLINE)
    if view == "approval":
        others = (select(decisions.id)
                  .where(decisions.ticket_id == tickets.id, decisions.status == "pending",
                         decisions.requested_by.is_not(None), decisions.requested_by != viewer_id)
                  .correlate(_TICKETS).exists())
        return query.where(others)
    return query


def list_queue(ctx: ServiceContext, viewer: User, filters: QueueFilter, *, cursor: str | None = None,
               limit: int = PAGE_SIZE) -> QueuePage:
    """Tickets ordered by priority, then SLA deadline, then id; one page after `cursor`."""
    rows = list(ctx.session.scalars(queue_query(viewer, filters, cursor=cursor, limit=limit, now=ctx.clock.now())))
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return QueuePage(rows[:limit], next_cursor)


# What one row of the console's queue shows, read in the page's one statement: the ticket's own columns, its
# owner's and its pending proposal's proposer's addresses (outer joins), so the page makes no read per row. A Core
# statement of the tables' columns: its rows are plain values, made without the ORM's loading.
_TICKETS = cast(Table, Ticket.__table__)
_DECISIONS = cast(Table, TicketDecision.__table__)
_USERS = cast(Table, User.__table__)
_T = _TICKETS.c
_OWNER = _USERS.alias("owner")
_PROPOSER = _USERS.alias("proposer")
_PENDING = _DECISIONS.alias("pending")
_CONSOLE_COLUMNS = (_T.id, _T.priority, _T.status, _T.queue, _T.category, _T.subject, _T.source, _T.locale,
                    _T.owner_id, _T.hold_until, _T.due_at, _T.first_response_due_at, _T.resolution_due_at,
                    _T.sla_paused_at, _T.first_response_at, _T.first_response_breached, _T.resolution_breached,
                    _OWNER.c.email.label("owner_email"), _PENDING.c.id.label("pending_id"),
                    _PENDING.c.requested_by.label("pending_by"), _PROPOSER.c.email.label("pending_by_email"))


_NEWER = _DECISIONS.alias("newer")
# The ticket's pending decision: one at most (a new proposal supersedes the last), and should two ever be, the
# newest alone, so a ticket is one row. On ix_ticket_decisions_ticket, by the ticket's id.
_PENDING_OF_TICKET = and_(_PENDING.c.ticket_id == _T.id, _PENDING.c.status == "pending",
                          ~select(_NEWER.c.id).where(_NEWER.c.ticket_id == _T.id, _NEWER.c.status == "pending",
                                                     _NEWER.c.id > _PENDING.c.id).exists())


@lru_cache(maxsize=256)
def console_statement(shape: _Shape):
    """The console's statement of one shape, built once (and its cache key with it): each request binds its
    values (`console_params`)."""
    after = (bindparam("after_priority", type_=_T.priority.type), bindparam("after_due", type_=_T.due_at.type),
             bindparam("after_id", type_=_T.id.type)) if shape.after else None
    query = _build(shape, select(*_CONSOLE_COLUMNS), owner_id=bindparam("owner_id", type_=_T.owner_id.type),
                   viewer_id=bindparam("viewer_id", type_=_T.owner_id.type),
                   breach_before=bindparam("breach_before", type_=_T.due_at.type), after=after,
                   limit=bindparam("limit", type_=Integer()), tickets=_T, decisions=_DECISIONS.c)
    return (query.select_from(_TICKETS.outerjoin(_OWNER, _OWNER.c.id == _T.owner_id)
                              .outerjoin(_PENDING, _PENDING_OF_TICKET)
                              .outerjoin(_PROPOSER, _PROPOSER.c.id == _PENDING.c.requested_by)))


def console_query(viewer: User, filters: QueueFilter, *, cursor: str | None = None, limit: int = PAGE_SIZE,
                  now: datetime | None = None) -> tuple:
    """(statement, parameters) of one console page."""
    shape = _shape(viewer, filters, cursor)
    params: dict = {"limit": limit + 1}
    if shape.by_owner:
        params["owner_id"] = filters.owner_id
    if shape.view in ("mine", "approval"):
        params["viewer_id"] = viewer.id
    if shape.view == "breaching":
        params["breach_before"] = _breach_before(filters, now)
    if cursor:
        params.update(zip(("after_priority", "after_due", "after_id"), decode_cursor(cursor), strict=True))
    return console_statement(shape), params


# One row of the console's statement as a named tuple: reading a field of a SQLAlchemy Row by name goes through
# its key lookup (about 0.4 us; the page reads a dozen per row), a named tuple's is a C accessor.
ConsoleRow = namedtuple("ConsoleRow", [column.key for column in _CONSOLE_COLUMNS])  # type: ignore[misc]


@dataclass(frozen=True)
class ConsolePage:
    rows: list  # ConsoleRow: named tuples with the _CONSOLE_COLUMNS' names
    next_cursor: str | None


def console_page(ctx: ServiceContext, viewer: User, filters: QueueFilter, *, cursor: str | None = None,
                 limit: int = PAGE_SIZE) -> ConsolePage:
    """One page of the console's queue as rows of plain values (no ORM objects to build), in one statement."""
    statement, params = console_query(viewer, filters, cursor=cursor, limit=limit, now=ctx.clock.now())
    ctx.session.flush()  # what the request changed is read, as the session's own reads autoflush it
    # In the request's transaction when it has begun one (it wrote, or the session's touch was flushed just
    # now); otherwise alone, with no BEGIN and COMMIT for a page that only reads.
    rows = list(map(ConsoleRow._make, read_alone(ctx.session, statement, params)))
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return ConsolePage(rows[:limit], next_cursor)


def pending_for_approval(ctx: ServiceContext, ticket_ids: list[int]) -> list[tuple[Ticket, TicketDecision]]:
    """The tickets and their pending decisions, with each ticket's account in the session (the decisions rule
    reads it by primary key, so it costs no further statement)."""
    if not ticket_ids:
        return []
    account = aliased(User, name="account")
    query = (select(Ticket, TicketDecision, account).options(*_NOT_IN_QUEUE)
             .join(TicketDecision, TicketDecision.ticket_id == Ticket.id)
             .outerjoin(account, account.id == Ticket.user_id)
             .where(Ticket.id.in_(ticket_ids), TicketDecision.status == "pending"))
    return [(ticket, decision) for ticket, decision, _account in ctx.session.execute(query).all()]


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
