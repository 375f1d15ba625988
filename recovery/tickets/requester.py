"""What a requester sees of their tickets: the status page's view (reached by its signed link) and the signed-in
account holder's list of requests ("My requests"), each with the tracker, the next step and the SLA promise.

Only what was written for the requester is shown: their messages and the support team's replies, never a
system line, an internal note, a queue, a source or a signal (recovery/tickets/progress.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BindParameter, Row, bindparam, cast, func, literal, null, select, true, union_all

from recovery.context import ServiceContext
from recovery.db import read_alone
from recovery.tickets import progress, queries
from recovery.tickets.access import check_status_token, status_token, status_token_ticket_id
from recovery.tickets.labels import case_summary
from recovery.tickets.lifecycle import on_hold, sla_policy
from recovery.tickets.models import OPEN_STATUSES, Ticket, TicketDecision, TicketEvidence, TicketMessage

# Whose messages the requester's status page shows: system lines (alert evidence, containment's source) are
# written for staff, in English, and stay in the console.
PUBLIC_AUTHORS = ("requester", "staff")


@dataclass(frozen=True)
class PublicMessage:
    """A message the status page shows: the requester's own or the support team's reply."""

    id: int
    author_type: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class PublicFile:
    """A file the requester sent, as the status page lists it."""

    id: int
    filename: str
    size: int


_T, _D = Ticket.__table__.c, TicketDecision.__table__.c
_M, _E = TicketMessage.__table__.c, TicketEvidence.__table__.c
_TICKET_ID: BindParameter[int] = bindparam("ticket_id", type_=_T.id.type)
# Everything the status page shows, in one statement built once: the ticket's own columns, its last executed
# decision, and one row per message written for the requester and per file they sent (no item: one row).
_LAST_DECISION = (select(func.max(_D.id)).where(_D.ticket_id == _TICKET_ID, _D.status == "executed")
                  .scalar_subquery())
_ITEMS = union_all(
    select(literal("message").label("kind"), _M.id.label("item_id"), _M.author_type, _M.body,
           cast(null(), _E.filename.type).label("filename"), cast(null(), _E.size.type).label("size"),
           _M.created_at.label("item_at"))
    # Each author its own parameter: an IN of a list is one "expanding" parameter that every execution of this
    # statement would expand again (SQLAlchemy's post-compile step: about 0.03 ms a page).
    .where(_M.ticket_id == _TICKET_ID, _M.internal.is_(False), _M.author_type.in_(list(map(literal, PUBLIC_AUTHORS)))),
    select(literal("evidence"), _E.id, null(), null(), _E.filename, _E.size, _E.created_at)
    .where(_E.ticket_id == _TICKET_ID, _E.deleted_at.is_(None)),
).subquery("items")
_STATUS_READ = (
    select(_T.id, _T.access_nonce, _T.category, _T.priority, _T.status, _T.source, _T.outcome, _T.satisfaction,
           _T.created_at, _T.hold_until, _T.resolved_at, _T.first_response_at, _T.sla_paused_at,
           _T.resolution_due_at, _D.outcome.label("decision_outcome"), _D.reason.label("decision_reason"),
           _D.appeal_again_after, _ITEMS.c.kind, _ITEMS.c.item_id, _ITEMS.c.author_type, _ITEMS.c.body,
           _ITEMS.c.filename, _ITEMS.c.size, _ITEMS.c.item_at)
    .select_from(Ticket.__table__.outerjoin(TicketDecision.__table__, _D.id == _LAST_DECISION)
                 .outerjoin(_ITEMS, true()))
    .where(_T.id == _TICKET_ID)
    .order_by(_ITEMS.c.kind.desc(), _ITEMS.c.item_id)  # "message" before "evidence", each in order
)


def status_page(ctx: ServiceContext, token: str) -> dict:
    """The status page by its signed link: the ticket and all it shows read in one statement on a connection of
    its own (db.read_alone: no write transaction, no commit), the link checked on the row read before anything
    of it is used (TokenInvalid otherwise)."""
    rows = read_alone(ctx.session, _STATUS_READ, {"ticket_id": status_token_ticket_id(token)})
    first = rows[0] if rows else None
    check_status_token(ctx, token, first.id if first else None, first.access_nonce if first else None)
    return _view(ctx, rows)


def status_view(ctx: ServiceContext, ticket: Ticket) -> dict:
    """The status page's view of a ticket already in hand (the JSON API, after a reply or a rating in the same
    transaction: flushed first, so the read sees them)."""
    ctx.session.flush()
    return _view(ctx, ctx.session.execute(_STATUS_READ, {"ticket_id": ticket.id}).all())


def _view(ctx: ServiceContext, rows: Sequence[Row]) -> dict:
    """What the requester sees: where the request stands (the tracker and the next step), the SLA promise,
    the deadline or hold, the messages written for them (theirs and the support team's: never a system line,
    which staff read), the decision and when to appeal again."""
    ticket = rows[0]
    now = ctx.clock.now()
    is_open = ticket.status in OPEN_STATUSES
    reopen_until = ticket.resolved_at + timedelta(days=ctx.settings.ticket_reopen_days) if ticket.resolved_at else None
    outcome = ticket.decision_outcome
    withdrawn = outcome == "withdrawn"  # its reason is ours, not for them
    return {
        "ticket_id": ticket.id, "category": ticket.category, "status": ticket.status,
        "summary": case_summary(ticket),  # what a case the person did not write reads as (containment, alerts)
        **requester_progress(ctx, ticket),
        "created_at": ticket.created_at, "hold_until": ticket.hold_until if is_open else None,
        "deadline": _expected_decision(ctx, ticket),
        "outcome": outcome,
        "reason": ticket.decision_reason if outcome is not None and not withdrawn else None,
        # A stolen-account case is the owner's own: it is never sent off to appeal again.
        "appeal_again_after": ticket.appeal_again_after if ticket.category != "stolen_account" else None,
        "can_reply": is_open or (ticket.status == "resolved" and reopen_until is not None and now <= reopen_until),
        "can_rate": ticket.status in ("resolved", "closed") and ticket.outcome != "withdrawn",
        "satisfaction": ticket.satisfaction,
        "messages": [PublicMessage(row.item_id, row.author_type, row.body, row.item_at)
                     for row in rows if row.kind == "message"],
        "evidence": [PublicFile(row.item_id, row.filename, row.size) for row in rows if row.kind == "evidence"],
    }


def requester_progress(ctx: ServiceContext, ticket: Ticket | Row) -> dict:
    """The tracker, the next step and the SLA promise of one ticket (the status page and My requests)."""
    held = on_hold(ctx, ticket)
    current = progress.stage(ticket.status, on_hold=held)
    # Held: nobody may act before the hold ends, so the page tells the hold's end instead of a promise.
    promised = progress.still_promised(ticket.status, ticket.first_response_at) and not held
    return {"stage": current, "steps": progress.steps(current),
            "next_step": progress.next_step(ticket.status, ticket.category, ticket.outcome, on_hold=held),
            "promise": progress.promise(ticket.priority, sla_policy(ctx)[ticket.priority]) if promised else None}


def _expected_decision(ctx: ServiceContext, ticket: Ticket | Row):
    """When the requester can expect a decision: the resolution deadline, moved past a running security hold;
    None while we wait on them (it depends on their answer) or once decided."""
    if ticket.status not in OPEN_STATUSES or ticket.status == "waiting_on_user":
        return None
    if ticket.sla_paused_at is not None and ticket.hold_until is not None and ticket.hold_until > ctx.clock.now():
        return ticket.resolution_due_at + (ticket.hold_until - ticket.sla_paused_at)
    return ticket.resolution_due_at


@dataclass(frozen=True)
class RequestSummary:
    """One row of My requests: what it is, where it stands, what happens next, and its status page's token."""

    ticket_id: int
    category: str
    created_at: datetime
    updated_at: datetime
    stage: str
    steps: list
    next_step: str
    promise: progress.Promise | None
    outcome: str | None
    token: str


def my_requests(ctx: ServiceContext, user_id: int) -> list[RequestSummary]:
    """Every request of the account holder's own, open ones first, newest first within each."""
    summaries = []
    for ticket in queries.requests_of_user(ctx, user_id):
        shown = requester_progress(ctx, ticket)
        summaries.append(RequestSummary(ticket_id=ticket.id, category=ticket.category, created_at=ticket.created_at,
                                        updated_at=ticket.updated_at, outcome=ticket.outcome,
                                        token=status_token(ctx, ticket), **shown))
    return sorted(summaries, key=lambda s: (s.stage == "decided", -s.updated_at.timestamp(), -s.ticket_id))
