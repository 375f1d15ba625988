"""The account holder's view of their own security events: what happened in words (labels.py: "You signed in",
"Our support team denied your appeal"), who acted as a team, and the IP, device and place only of what happened
on the account holder's side.

The security page and `GET /api/v1/events` for a non-staff caller build from this model, never from the raw row:
a staff member's IP, browser, identity and notes (a decision's reason, an alert's evidence) stay on the staff
side. The account holder's side is the account itself or an anonymous requester on it (a failed sign-in, an
appeal): that IP is the owner's useful information. A ticket the event is about shows as its number. The place
of an address comes from the caller's `locate` (the security page passes detection's geo lookup: events sits
below detection), as codes the page names in its language (recovery/places.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from recovery.context import ServiceContext
from recovery.events.labels import HIDDEN_FROM_OWNER, event_label
from recovery.events.service import EventRow, events_of_user
from recovery.useragents import device_of

_SECURITY_ROLES = frozenset({"security", "admin"})
# An address -> (city, ISO country code), either None when unknown.
Locate = Callable[[str], tuple[str | None, str | None]]


@dataclass(frozen=True)
class OwnEvent:
    id: int
    type: str
    label: str  # a msgid from labels.EVENT_LABELS: translated where it is shown
    actor: str  # a key of labels.ACTOR_LABELS
    created_at: datetime
    ip: str | None  # only when actor == "account"
    device: str | None  # "Firefox 125 · Linux" (useragents.device_of), only when actor == "account"
    request_id: int | None  # the ticket this event is about ("request #12")
    city: str | None = None  # where the address is, only when actor == "account" and the caller can locate
    country: str | None = None  # ISO 3166 code: named in the reader's language where it is shown


@dataclass(frozen=True)
class OwnEventPage:
    events: list[OwnEvent]
    next_cursor: str | None


def own_events(ctx: ServiceContext, user_id: int, *, type_prefix: str | None = None, since: datetime | None = None,
               cursor: str | None = None, limit: int = 20, locate: Locate | None = None) -> OwnEventPage:
    """The account's events, newest first, as its holder may see them."""
    page = events_of_user(ctx, user_id, type_prefix=type_prefix, since=since, cursor=cursor, limit=limit,
                          hidden=HIDDEN_FROM_OWNER)
    return OwnEventPage([own_event(row, user_id, locate) for row in page.rows], page.next_cursor)


def actor_of(row: EventRow, user_id: int) -> str:
    event = row.event
    if event.actor_type == "user":
        return "account" if event.actor_id in (None, user_id) else "other"
    if event.actor_type == "staff":
        return "security" if row.actor_role in _SECURITY_ROLES else "support"
    return "recovery"


def own_event(row: EventRow, user_id: int, locate: Locate | None = None) -> OwnEvent:
    event = row.event
    actor = actor_of(row, user_id)
    own_side = actor == "account"
    ticket_id = (event.details or {}).get("ticket_id")
    city, country = locate(event.ip) if own_side and event.ip and locate else (None, None)
    return OwnEvent(id=event.id, type=event.type, label=event_label(event.type), actor=actor,
                    created_at=event.created_at, ip=event.ip if own_side else None,
                    device=device_of(event.user_agent) if own_side else None,
                    request_id=ticket_id if isinstance(ticket_id, int) else None, city=city, country=country)
