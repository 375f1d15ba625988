"""Collision detection on the console's ticket page: who else has the ticket open (a row per viewer whose time
each page load and the page's script refresh) and what was written on it since a page was loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.tickets.drafts import keep_one
from recovery.tickets.models import Ticket, TicketMessage, TicketViewer

# A viewer counts while their page is open: the script refreshes every PING_SECONDS, so a page closed for
# longer than the window no longer warns anyone.
PING_SECONDS = 30
VIEWING_WINDOW = timedelta(seconds=PING_SECONDS * 3)


@dataclass(frozen=True)
class Collision:
    viewers: list[str]  # the other staff members' addresses with the ticket open now
    writers: list[str]  # the other staff members who replied or noted since `version`
    new_messages: int  # messages since `version` not written by the viewer (the requester's too)
    version: int  # the newest message id now


def thread_version(ctx: ServiceContext, ticket: Ticket) -> int:
    """The newest message's id (0 for none): a page remembers it to learn what was written after it loaded."""
    return ctx.session.scalar(select(func.max(TicketMessage.id)).where(TicketMessage.ticket_id == ticket.id)) or 0


def see(ctx: ServiceContext, ticket: Ticket, staff: User) -> None:
    """`staff` has the ticket open now."""
    keep_one(ctx, TicketViewer, {"ticket_id": ticket.id, "staff_id": staff.id}, {"last_seen_at": ctx.clock.now()})


def others_viewing(ctx: ServiceContext, ticket: Ticket, staff: User) -> list[str]:
    since = ctx.clock.now() - VIEWING_WINDOW
    query = (select(User.email).join(TicketViewer, TicketViewer.staff_id == User.id)
             .where(TicketViewer.ticket_id == ticket.id, TicketViewer.staff_id != staff.id,
                    TicketViewer.last_seen_at >= since).order_by(User.email))
    return list(ctx.session.scalars(query))


def collision(ctx: ServiceContext, ticket: Ticket, staff: User, version: int) -> Collision:
    """What another person did on the ticket that the page loaded at `version` does not show, and who else is
    looking at it; records that `staff` is looking too."""
    see(ctx, ticket, staff)
    rows = ctx.session.execute(
        select(TicketMessage.id, TicketMessage.author_type, TicketMessage.author_id)
        .where(TicketMessage.ticket_id == ticket.id, TicketMessage.id > version).order_by(TicketMessage.id)).all()
    theirs = [row for row in rows if not (row.author_type == "staff" and row.author_id == staff.id)]
    writer_ids = {row.author_id for row in theirs if row.author_type == "staff" and row.author_id is not None}
    writers = list(ctx.session.scalars(select(User.email).where(User.id.in_(writer_ids)).order_by(User.email))) \
        if writer_ids else []
    return Collision(viewers=others_viewing(ctx, ticket, staff), writers=writers, new_messages=len(theirs),
                     version=max([version] + [row.id for row in rows]))
