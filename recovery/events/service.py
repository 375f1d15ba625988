"""Recording and reading security events; every capability calls record_event in its own transaction.

The log is append-only: the migration installs triggers that refuse UPDATE and DELETE on security_events.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from recovery.context import Actor, ServiceContext
from recovery.emails import normalise_email
from recovery.errors import N_, ValidationFailed
from recovery.events import queries
from recovery.events.models import SecurityEvent
from recovery.numbers import parse_id, parse_int
from recovery.observability.metrics import count_event

# Keys that must never reach the log, whatever a caller passes in details.
_SECRET_KEYS = {"password", "token", "code", "secret", "session_token", "mfa_token", "recovery_code"}


def _scrub(details: dict) -> dict:
    return {k: ("[redacted]" if k.lower() in _SECRET_KEYS else v) for k, v in details.items()}


def record_event(ctx: ServiceContext, type: str, *, user_id: int | None, actor: Actor | None = None,
                 **details: object) -> SecurityEvent:
    """Add one event to the session (committed with the caller's change); returns it unflushed."""
    event = new_event(ctx, type, user_id=user_id, actor=actor, **details)
    ctx.session.add(event)
    return event


def new_event(ctx: ServiceContext, type: str, *, user_id: int | None, actor: Actor | None = None,
              **details: object) -> SecurityEvent:
    """An event not yet in the session: for a flow that writes it with other rows in one statement
    (`db.Row.of(event)`, `db.write_together`), or adds it only on some paths."""
    actor = actor or ctx.actor
    event = SecurityEvent(type=type, user_id=user_id, actor_type=actor.type, actor_id=actor.id,
                          ip=actor.ip, user_agent=(actor.user_agent or "")[:512] or None,
                          details=_scrub(details), created_at=ctx.clock.now())
    # The domain counters of /metrics, once it commits (added to the session, or written together).
    count_event(ctx.session, event, type, details)
    return event


def recent_events_for_user(ctx: ServiceContext, user_id: int, limit: int = 50) -> list[SecurityEvent]:
    """The user's newest events, newest first: the account's timeline for staff and the security pages."""
    query = (select(SecurityEvent).where(SecurityEvent.user_id == user_id)
             .order_by(SecurityEvent.created_at.desc(), SecurityEvent.id.desc()).limit(limit))
    return list(ctx.session.scalars(query))


def event_types_since(ctx: ServiceContext, user_id: int, since: datetime, *, limit: int = 1000) -> list[str]:
    """The types of the user's events at or after `since` (at most `limit`), for rules that read what happened."""
    return list(ctx.session.scalars(select(SecurityEvent.type).where(SecurityEvent.user_id == user_id,
                                                                     SecurityEvent.created_at >= since)
                                    .limit(limit)))


@dataclass(frozen=True)
class EventRow:
    event: SecurityEvent
    user_email: str | None
    actor_email: str | None
    actor_role: str | None = None


@dataclass(frozen=True)
class EventPage:
    rows: list[EventRow]
    next_cursor: str | None


def search_events(ctx: ServiceContext, *, type_prefix: str | None = None, user: str | None = None,
                  since: datetime | None = None, cursor: str | None = None, limit: int = 50) -> EventPage:
    """Staff search, newest first: `type_prefix` ("session." or "account.password"), `user` an id or an email."""
    user_id = None
    if user:
        user_id = _user_id(ctx, user)
        if user_id is None:
            return EventPage([], None)  # an unknown email simply has no events
    return _page(ctx, type_prefix=type_prefix, user_id=user_id, since=since, cursor=cursor, limit=limit)


def events_of_user(ctx: ServiceContext, user_id: int, *, type_prefix: str | None = None,
                   since: datetime | None = None, cursor: str | None = None, limit: int = 50,
                   hidden: Collection[str] = ()) -> EventPage:
    """A user's own events only, whatever else is asked; `hidden` types left out."""
    return _page(ctx, type_prefix=type_prefix, user_id=user_id, since=since, cursor=cursor, limit=limit,
                 hidden=hidden)


def _page(ctx: ServiceContext, *, type_prefix, user_id, since, cursor, limit, hidden=()) -> EventPage:
    query = queries.event_page(type_prefix=type_prefix, user_id=user_id, since=since,
                               before=decode_cursor(cursor), limit=limit + 1, hidden=hidden)
    rows = [EventRow(*row) for row in ctx.session.execute(query).all()]
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].event) if len(rows) > limit else None
    return EventPage(page, next_cursor)


def _user_id(ctx: ServiceContext, user: str) -> int | None:
    user = user.strip()
    if parse_int(user) is not None:  # ASCII digits: an id, or nobody when no column could hold it
        return parse_id(user)
    return ctx.session.scalar(queries.user_id_by_email(normalise_email(user)))


def encode_cursor(event: SecurityEvent) -> str:
    raw = f"{event.created_at.isoformat()}|{event.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The position after which the next page starts; anything tampered is a 400, never a 500."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, event_id = raw.partition("|")
        created_at = datetime.fromisoformat(at)
        if created_at.tzinfo is None:
            raise ValueError("naive cursor time")
        known = parse_id(event_id, big=True)
        if known is None:
            raise ValueError("not an event id")
        return created_at, known
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor() from exc


class InvalidCursor(ValidationFailed):
    """A page link (cursor) that was not made by us; shared by every keyset-paginated list."""

    def __init__(self) -> None:
        super().__init__({"cursor": [N_("This page link is not valid. Please start from the first page.")]})
