"""The transcript a ticket keeps of the assistant conversation it was handed off from: written once at the
hand-off (the tickets capability's own copy, so the ticket never reads the assistant's tables), read by staff
on the ticket page and in the ticket API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from recovery.context import ServiceContext
from recovery.tickets.models import Ticket, TranscriptLine

AUTHORS = ("person", "assistant")
MAX_LINES = 200


@dataclass(frozen=True)
class TranscriptEntry:
    """One line handed over: who said it, what, the intent recognised in it, when."""

    author: str
    body: str
    said_at: datetime
    intent: str | None = None


def attach_transcript(ctx: ServiceContext, ticket: Ticket, entries: Sequence[TranscriptEntry]) -> None:
    """Append the lines after any the ticket already holds (a second hand-off joining an open ticket)."""
    start = len(transcript_of(ctx, ticket.id))
    for position, entry in enumerate(list(entries)[:MAX_LINES], start=start):
        ctx.session.add(TranscriptLine(ticket_id=ticket.id, position=position,
                                       author=entry.author if entry.author in AUTHORS else "person",
                                       body=entry.body[:10_000], intent=entry.intent, said_at=entry.said_at))
    ctx.session.flush()


def transcript_of(ctx: ServiceContext, ticket_id: int) -> list[TranscriptLine]:
    """The ticket's transcript in the order it was said (empty when it was not handed off from the assistant)."""
    return list(ctx.session.scalars(select(TranscriptLine).where(TranscriptLine.ticket_id == ticket_id)
                                    .order_by(TranscriptLine.position, TranscriptLine.id)))


def transcript_json(lines: Sequence[TranscriptLine]) -> list[dict]:
    return [{"author": line.author, "body": line.body, "intent": line.intent,
             "said_at": line.said_at.isoformat()} for line in lines]
