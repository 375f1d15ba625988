"""Drafts of the console's reply and note boxes, one per (ticket, staff member, kind), so a reply being typed
survives navigating away, a macro inserted without JavaScript and a reload. Nobody else ever reads them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.errors import N_, ValidationFailed
from recovery.tickets.access import require_staff_access
from recovery.tickets.models import Ticket, TicketDraft

KINDS = ("reply", "note")
MAX_DRAFT = 20_000  # a reply's own limit is lower; a draft is kept whole so nothing typed is lost


def keep_one(ctx: ServiceContext, model: Any, match: dict, values: dict) -> Any:
    """Update the one row `match` names, or insert it; a concurrent insert of the same key (a unique index)
    turns into an update of the row that won."""
    query = select(model).filter_by(**match)
    row = ctx.session.scalar(query)
    if row is None:
        try:
            with ctx.session.begin_nested():
                row = model(**match, **values)
                ctx.session.add(row)
            return row
        except IntegrityError:
            row = ctx.session.scalar(query)
    for key, value in values.items():
        setattr(row, key, value)
    ctx.session.flush()
    return row


def _check(kind: str, body: str) -> None:
    if kind not in KINDS:
        raise ValidationFailed({"kind": [N_("Choose a reply or a note.")]})
    if len(body) > MAX_DRAFT:
        raise ValidationFailed({"body": [N_("This draft is too long to keep.")]})


def save_draft(ctx: ServiceContext, ticket: Ticket, staff: User, kind: str, body: str) -> None:
    """Keep what `staff` has typed in the ticket's reply or note box; an empty box drops the draft."""
    require_staff_access(staff, ticket)
    _check(kind, body)
    if not body.strip():
        discard_draft(ctx, ticket, staff, kind)
        return
    keep_one(ctx, TicketDraft, {"ticket_id": ticket.id, "staff_id": staff.id, "kind": kind},
             {"body": body, "updated_at": ctx.clock.now()})


def discard_draft(ctx: ServiceContext, ticket: Ticket, staff: User, kind: str) -> None:
    ctx.session.execute(delete(TicketDraft).where(TicketDraft.ticket_id == ticket.id,
                                                  TicketDraft.staff_id == staff.id, TicketDraft.kind == kind))


def drafts_of(ctx: ServiceContext, ticket: Ticket, staff: User) -> dict[str, str]:
    """{"reply": ..., "note": ...}: this staff member's drafts on the ticket (absent kinds are missing)."""
    rows = ctx.session.execute(select(TicketDraft.kind, TicketDraft.body).where(
        TicketDraft.ticket_id == ticket.id, TicketDraft.staff_id == staff.id)).tuples()
    return {kind: body for kind, body in rows}
