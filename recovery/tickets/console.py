"""What the console's ticket page shows beside the conversation, in words: the account card (status and
restriction, second factors, verified contacts masked, language, local time), the security timeline with
device and place, the ticket's audit trail labelled, and the next ticket in the agent's queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from recovery.accounts.contacts import list_contacts
from recovery.accounts.models import User
from recovery.accounts.restrictions import current_restriction
from recovery.context import ServiceContext
from recovery.emails import mask_email
from recovery.errors import N_
from recovery.mfa.service import mfa_status
from recovery.passkeys.service import list_passkeys
from recovery.tickets import queries
from recovery.tickets.labels import label_of
from recovery.tickets.models import Ticket, TicketEvent
from recovery.tickets.notes import SECURED_FROM
from recovery.useragents import device_of

TIMELINE_ROWS = 30
SESSION_ROWS = 10

RESTRICTIONS = {"ban": N_("Banned by staff"), "lock": N_("Locked"), "suspension": N_("Suspended"),
                "stolen": N_("Locked after the owner reported it stolen"),
                "staff_suspension": N_("Staff account suspended")}

# The ticket's own audit trail, as the console names each change.
AUDIT_LABELS = {
    "created": N_("Ticket opened"), "assigned": N_("Assigned"), "claimed": N_("Claimed"),
    "rerouted": N_("Moved to another queue or priority"), "escalated": N_("Escalated"), "noted": N_("Note added"),
    "info_requested": N_("Asked the requester for information"), "requester_replied": N_("Requester replied"),
    "reopened": N_("Reopened"), "closed": N_("Closed"), "cancelled": N_("Cancelled by the account's owner"),
    "merged": N_("Merged"), "linked": N_("Linked to a record"), "hold.ended": N_("Security hold ended"),
    "sla.warned": N_("Deadline close"), "sla.breached": N_("Deadline missed"),
    "evidence.added": N_("Evidence added"), "evidence.deleted": N_("Evidence deleted"),
    "survey.sent": N_("Satisfaction survey sent"), "survey.answered": N_("Satisfaction survey answered"),
    "decision": N_("Decision carried out"), "decision.proposed": N_("Decision proposed"),
    "decision.approved": N_("Proposed decision approved"), "decision.rejected": N_("Proposed decision rejected"),
    "decision.withdrawn": N_("Proposed decision withdrawn"),
}
OTHER_CHANGE = N_("Ticket changed")
# The account signals routing read from its recent events (routing.SIGNALS).
SIGNALS = {"recent_alert": N_("Recent security alert"), "recent_password_change": N_("Password changed recently"),
           "recent_mfa_change": N_("Second factor changed recently")}
OTHER_SIGNAL = N_("Other account signal")
# The tags the service sets (containment's case, its source; an appeal's reason); any other tag is shown as it is.
TAGS = {"stolen": N_("Reported stolen by its owner"), **SECURED_FROM}


@dataclass(frozen=True)
class AccountCard:
    user: User
    restriction_kind: str | None  # a key of RESTRICTIONS
    restriction_reason: str | None
    restriction_since: datetime | None
    totp: bool
    recovery_codes: int
    passkeys: int
    contacts: list[str]  # verified further addresses, masked
    time_zone: str | None


@dataclass(frozen=True)
class TimelineRow:
    at: datetime
    type: str  # an event type: the page shows its label, never the code
    actor: str  # "account" (the holder or someone signing in as them: device, place and IP are theirs),
    # "staff" or "service" (the page says who, not the staff member's browser)
    ip: str | None
    device: str | None
    city: str | None
    country: str | None


def account_card(ctx: ServiceContext, user: User | None) -> AccountCard | None:
    if user is None:
        return None
    restriction = current_restriction(ctx, user)
    mfa = mfa_status(ctx, user)
    contacts = [mask_email(c.email) for c in list_contacts(ctx, user) if c.verified_at is not None]
    return AccountCard(user=user, restriction_kind=restriction.kind if restriction else None,
                       restriction_reason=restriction.reason if restriction else None,
                       restriction_since=restriction.set_at if restriction else None,
                       totp=mfa.totp_enabled, recovery_codes=mfa.recovery_codes_remaining,
                       passkeys=len(list_passkeys(ctx, user)), contacts=contacts, time_zone=user.time_zone)


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def timeline_rows(events) -> list[TimelineRow]:
    """The account's security events as the page lists them: on the account's side the device's one name, the
    place the event recorded (its country code and city) and the IP; for staff and the service, only who acted.
    Never a raw user agent or detail."""
    rows = []
    for event in list(events)[:TIMELINE_ROWS]:
        details = event.details or {}
        actor = {"staff": "staff", "system": "service"}.get(event.actor_type, "account")
        own = actor == "account"
        rows.append(TimelineRow(at=event.created_at, type=event.type, actor=actor, ip=event.ip if own else None,
                                device=device_of(event.user_agent) if own else None,
                                city=_text(details.get("city")) if own else None,
                                country=_text(details.get("country")) if own else None))
    return rows


def audit_label(event: TicketEvent) -> str:
    return AUDIT_LABELS.get(event.type, OTHER_CHANGE)


def signal_label(signal: str) -> str:
    return SIGNALS.get(signal, OTHER_SIGNAL)


def tag_label(tag: str) -> str:
    """A msgid for the tags the service sets: "reason:account_locked" reads as the reason the requester chose,
    "intent:stolen" as what the assistant understood, "lang:zh_Hans" as the language a contact message came in."""
    kind, _, value = tag.partition(":")
    labelled = {"reason": "reason", "intent": "intent", "lang": "language"}.get(kind)
    if labelled and value:
        return label_of(labelled, value)
    return TAGS.get(tag, tag)


def next_ticket_id(ctx: ServiceContext, ticket: Ticket, staff: User) -> int | None:
    """The ticket after this one in the staff member's queue order (priority, deadline, id); the first one
    when this ticket is no longer open."""
    cursor = queries.encode_cursor(ticket) if ticket.is_open else None
    page = queries.list_queue(ctx, staff, queries.QueueFilter(), cursor=cursor, limit=1)
    following = [t.id for t in page.tickets if t.id != ticket.id]
    return following[0] if following else None
