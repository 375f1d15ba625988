"""Tickets: open (routed, assigned, on the SLA clock), reply, note, re-route, escalate; the capability's surface.

`open_ticket` is what other capabilities call (the stolen-account flow opens a P1 ticket through it).

```mermaid
stateDiagram-v2
    [*] --> new: open_ticket (routed, assigned round-robin, SLA clock starts or waits for a security hold)
    new --> open: staff reply
    open --> waiting_on_user: staff asks for information (SLA paused)
    waiting_on_user --> open: requester replies (SLA resumes)
    new --> resolved: decision executed
    open --> resolved: decision executed
    waiting_on_user --> resolved: decision executed
    resolved --> open: requester replies within ticket_reopen_days
    resolved --> closed: ticket_reopen_days pass (periodic job)
```
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import select

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.errors import N_, ValidationFailed
from recovery.events.service import event_types_since, record_event
from recovery.outbox.service import queue_email
from recovery.tickets import notes, routing, sla
from recovery.tickets.access import require_staff_access
from recovery.tickets.assignment import assign_round_robin, claim, queue_leads
from recovery.tickets.errors import TicketClosed
from recovery.tickets.evidence import Upload, attach_files
from recovery.tickets.lifecycle import audit, log, notify_requester, sla_policy, store_clock, sync_sla
from recovery.tickets.models import CATEGORIES, OPEN_STATUSES, QUEUES, REQUESTER_SOURCES, Ticket, TicketMessage

__all__ = ["open_ticket", "reply", "add_note", "add_system_note", "requester_reply", "reroute", "escalate",
           "claim", "account_signals", "find_open_ticket", "latest_ticket", "Upload"]

# Requests that are one conversation per account and requester: a repeat from the same proven contact is added
# to its open ticket, not queued again. A second-factor reset is its own family: it waits out a security hold
# that an unblock appeal does not, so it is never folded into one.
FAMILIES = {"unblock_appeal": "appeal", "stolen_account": "appeal", "mfa_reset": "mfa",
            "account_recovery": "recovery", "other": "other"}
MAX_BODY = 10_000


@lru_cache(maxsize=8)
def _rules(path: str) -> tuple[dict, ...]:
    return routing.load_rules(path)


def account_signals(ctx: ServiceContext, user_id: int | None) -> set[str]:
    """Signals from the account's recent security events (alerts, password and MFA changes)."""
    if user_id is None:
        return set()
    since = ctx.clock.now() - timedelta(days=ctx.settings.ticket_signal_days)
    return routing.signals_from_event_types(event_types_since(ctx, user_id, since))


def _open_in_family(ctx: ServiceContext, user_id: int | None, category: str) -> list[Ticket]:
    if user_id is None:
        return []
    family = FAMILIES[category]
    query = (select(Ticket).where(Ticket.user_id == user_id, Ticket.status.in_(OPEN_STATUSES))
             .order_by(Ticket.id))
    return [t for t in ctx.session.scalars(query) if FAMILIES.get(t.category) == family]


def find_open_ticket(ctx: ServiceContext, user_id: int | None, category: str,
                     requester_email: str | None = None, *, opened_by_containment: bool = False,
                     held: bool = False) -> Ticket | None:
    """The account's open ticket of this family from the same requester (the same proven contact; None for
    the addresses on file): only that one may take a repeat, since its status link is the requester's key.

    A request joins only a ticket of its own standing: a containment case (proof from the owner's side) and a
    requester's claim never share a ticket, so the decision on one never acts with the other's exemptions; and
    a request that must wait out a security hold never joins a ticket that has none."""
    return next((t for t in _open_in_family(ctx, user_id, category)
                 if t.requester_email == requester_email and t.opened_by_containment == opened_by_containment
                 and (not held or t.hold_until is not None)), None)


def latest_ticket(ctx: ServiceContext, user_id: int, category: str) -> Ticket | None:
    """The account's newest ticket of `category`, whatever its status (containment's stolen-account case)."""
    return ctx.session.scalar(select(Ticket).where(Ticket.user_id == user_id, Ticket.category == category)
                              .order_by(Ticket.id.desc()).limit(1))


def _check_open_arguments(category: str, subject: str, message: str, priority: int | None, queue: str | None
                          ) -> None:
    fields: dict[str, list[str]] = {}
    if category not in CATEGORIES:
        fields["category"] = [N_("Choose one of the categories.")]
    if not subject.strip() or len(subject) > 200:
        fields["subject"] = [N_("Give a subject of at most 200 characters.")]
    if len(message) > MAX_BODY:
        fields["message"] = [N_("Keep the message under 10,000 characters.")]
    if priority is not None and priority not in (1, 2, 3, 4):
        fields["priority"] = [N_("Choose a priority from 1 to 4.")]
    if queue is not None and queue not in QUEUES:
        fields["queue"] = [N_("Choose one of the queues.")]
    if fields:
        raise ValidationFailed(fields)


def open_ticket(ctx: ServiceContext, *, category: str, user_id: int | None, subject: str, message: str,
                source: str, priority: int | None = None, queue: str | None = None,
                attachments: Sequence[Upload | Mapping] = (), signals: Iterable[str] | None = None,
                requester_email: str | None = None, hold_hours: int | None = None,
                identity_checks: Sequence[Mapping] = (), tags: Iterable[str] = (),
                opened_by_containment: bool = False, announce: bool | None = None) -> Ticket:
    """Open a ticket, or add to the account's open one of the same family; returns the ticket.

    Routing decides queue and priority where the caller leaves them None (a stolen account is always P1 in
    `security`). `attachments` holds files (Upload) and linked records (mappings, e.g. suspicious sign-ins).
    The ticket is assigned round-robin, its SLA clock starts (or waits for the hold to end), `ticket.opened` is
    recorded - all in the caller's transaction - and a requester who asked (an appeal, a recovery request) is
    emailed the status link. Nobody else is emailed (`announce` defaults to that): a case staff open from an
    alert is their work, not a message to the account holder, and containment sends its own one email.
    `message` is the requester's own words on a request; from anyone else (the system, staff) it is an
    internal note, since it is written for staff.
    `opened_by_containment` is for detection.containment.secure_account alone (see find_open_ticket).
    """
    from_requester = source in REQUESTER_SOURCES
    announce = from_requester if announce is None else announce
    _check_open_arguments(category, subject, message, priority, queue)
    all_signals = account_signals(ctx, user_id) | set(signals or ())
    routed = routing.route(_rules(ctx.settings.ticket_routing_file), category=category, subject=subject,
                           message=message, signals=all_signals)
    existing = find_open_ticket(ctx, user_id, category, requester_email,
                                opened_by_containment=opened_by_containment, held=bool(hold_hours))
    if existing is not None:
        return _merge(ctx, existing, category=category, message=message, source=source, routed=routed,
                      attachments=attachments, identity_checks=identity_checks, announce=announce)
    # Another open ticket for the account (another requester's, or one of another standing): never joined, but
    # this one is held like it (unless containment opens it: the owner's proof waits for no hold), routed
    # beside it and linked to it so staff weigh both together.
    others = _open_in_family(ctx, user_id, category)
    if others:
        first = others[0]
        queue = queue or first.queue
        priority = priority or min(first.priority, routed.priority)
        if not opened_by_containment:
            hold_hours = hold_hours or ctx.settings.ticket_recovery_hold_hours
    if category == "stolen_account":
        priority, queue = 1, "security"
    ticket = _new_ticket(ctx, category=category, user_id=user_id, subject=subject, source=source,
                         priority=priority or routed.priority, queue=queue or routed.queue,
                         signals=all_signals, requester_email=requester_email, hold_hours=hold_hours)
    ticket.opened_by_containment = opened_by_containment
    ticket.identity_checks = [dict(check) for check in identity_checks]
    ticket.tags = sorted(set(tags))
    _add_message(ctx, ticket, message, **_opening_author(source))
    _attach(ctx, ticket, attachments)
    audit(ctx, ticket, "created", source=source, rule=routed.rule, queue=ticket.queue, priority=ticket.priority,
          signals=sorted(all_signals))
    record_event(ctx, "ticket.opened", user_id=user_id, ticket_id=ticket.id, category=category,
                 priority=ticket.priority, queue=ticket.queue, source=source)
    assign_round_robin(ctx, ticket)
    for other in others:
        _link(ctx, ticket, other)
    if announce:
        notify_requester(ctx, ticket, "ticket_opened", hold_until=ticket.hold_until)
    ctx.session.flush()
    return ticket


def _link(ctx: ServiceContext, ticket: Ticket, other: Ticket) -> None:
    """Internal notes on both tickets (staff only; neither requester learns of the other)."""
    open_note, _ = _standing(ticket, other)
    _, opened_note = _standing(other, ticket)
    add_system_note(ctx, ticket, notes.note(open_note, other=other.id))
    add_system_note(ctx, other, notes.note(opened_note, other=ticket.id))
    audit(ctx, ticket, "linked", ticket_id=other.id)
    audit(ctx, other, "linked", ticket_id=ticket.id)


def _standing(ticket: Ticket, other: Ticket) -> tuple[str, str]:
    """The notes (another request is open; another ticket was opened) for `ticket` as `other` stands to it."""
    if other.opened_by_containment and not ticket.opened_by_containment:
        return notes.LINKED_SECURED, notes.OPENED_SECURED
    if ticket.opened_by_containment and not other.opened_by_containment:
        return notes.LINKED_CLAIM, notes.OPENED_CLAIM
    return notes.LINKED_OTHER, notes.OPENED_OTHER


def _new_ticket(ctx: ServiceContext, *, category: str, user_id: int | None, subject: str, source: str,
                priority: int, queue: str, signals: set[str], requester_email: str | None,
                hold_hours: int | None) -> Ticket:
    now = ctx.clock.now()
    user = ctx.session.get(User, user_id) if user_id is not None else None
    locale = ctx.locale if source in REQUESTER_SOURCES or user is None else user.locale
    ticket = Ticket(category=category, priority=priority, status="new", queue=queue, user_id=user_id,
                    requester_email=requester_email, subject=subject.strip()[:200], source=source, locale=locale,
                    tags=[], signals=sorted(signals), attachments=[], identity_checks=[],
                    access_nonce=ctx.tokens.opaque(16), created_at=now, updated_at=now,
                    hold_until=now + timedelta(hours=hold_hours) if hold_hours else None,
                    first_response_breached=False, resolution_breached=False)
    store_clock(ticket, sla.start(sla_policy(ctx)[priority], now, decide_from=ticket.hold_until))
    ctx.session.add(ticket)
    ctx.session.flush()
    return ticket


def _merge(ctx: ServiceContext, ticket: Ticket, *, category: str, message: str, source: str,
           routed: routing.Route, attachments, identity_checks: Sequence[Mapping] = (), announce: bool) -> Ticket:
    """A repeated request joins the open ticket; a more urgent one (a stolen account) raises it. Its identity
    answers are kept beside the earlier ones. Only a requester's own new message is acknowledged by email."""
    if category == "stolen_account" and ticket.category != "stolen_account":
        ticket.category = "stolen_account"
        _move(ctx, ticket, queue="security", priority=1, reason="stolen account reported")
    elif routed.priority < ticket.priority:
        ticket.priority = routed.priority
    _add_message(ctx, ticket, message, **_opening_author(source))
    _attach(ctx, ticket, attachments)
    if identity_checks:
        ticket.identity_checks = [*(ticket.identity_checks or []), *(dict(check) for check in identity_checks)]
    if ticket.status == "waiting_on_user":
        ticket.status = "open"
        sync_sla(ctx, ticket)
    audit(ctx, ticket, "merged", source=source, category=category)
    record_event(ctx, "ticket.merged", user_id=ticket.user_id, ticket_id=ticket.id, source=source)
    if announce:
        notify_requester(ctx, ticket, "ticket_updated", change="merged")
    ctx.session.flush()
    return ticket


def _attach(ctx: ServiceContext, ticket: Ticket, attachments) -> None:
    files = [a for a in attachments if isinstance(a, Upload)]
    records = [dict(a) for a in attachments if not isinstance(a, Upload)]
    if records:
        ticket.attachments = [*ticket.attachments, *records]
    attach_files(ctx, ticket, files, uploaded_by="requester")


def _add_message(ctx: ServiceContext, ticket: Ticket, body: str, *, author_type: str, internal: bool = False,
                 author_id: int | None = None) -> TicketMessage | None:
    body = (body or "").strip()
    if not body:
        return None
    if len(body) > MAX_BODY:
        raise ValidationFailed({"body": [N_("Keep the message under 10,000 characters.")]})
    message = TicketMessage(ticket_id=ticket.id, internal=internal, author_type=author_type, author_id=author_id,
                            body=body, created_at=ctx.clock.now())
    ctx.session.add(message)
    return message


def _opening_author(source: str) -> dict:
    """The requester's own words are public; what the service wrote to open a ticket for them (containment's
    "reported stolen (email_button)", an alert's "seen 3 times") is a note for staff, never shown to them."""
    requester = source in REQUESTER_SOURCES
    return {"author_type": "requester" if requester else "system", "internal": not requester}


def add_system_note(ctx: ServiceContext, ticket: Ticket, body: str) -> TicketMessage | None:
    """An internal note written by the system (never shown or sent to the requester)."""
    return _add_message(ctx, ticket, body, author_type="system", internal=True)


def _require_body(body: str) -> None:
    if not (body or "").strip():
        raise ValidationFailed({"body": [N_("Write a message.")]})


def reply(ctx: ServiceContext, ticket: Ticket, staff: User, body: str, *, request_info: bool = False
          ) -> TicketMessage:
    """A public reply; the first one stops the first-response clock. Asking for information waits on the user."""
    require_staff_access(staff, ticket)
    if not ticket.is_open:
        raise TicketClosed()
    _require_body(body)
    message = _add_message(ctx, ticket, body, author_type="staff", author_id=staff.id)
    if ticket.first_response_at is None:
        ticket.first_response_at = ctx.clock.now()
    ticket.status = "waiting_on_user" if request_info else "open"
    sync_sla(ctx, ticket)
    audit(ctx, ticket, "info_requested" if request_info else "replied")
    if request_info:
        record_event(ctx, "ticket.info_requested", user_id=ticket.user_id, ticket_id=ticket.id)
    notify_requester(ctx, ticket, "ticket_reply", body=body, request_info=request_info)
    ctx.session.flush()
    return message  # type: ignore[return-value]


def add_note(ctx: ServiceContext, ticket: Ticket, staff: User, body: str) -> TicketMessage:
    """An internal note: staff only, never sent or shown to the requester."""
    require_staff_access(staff, ticket)
    _require_body(body)
    note = _add_message(ctx, ticket, body, author_type="staff", author_id=staff.id, internal=True)
    audit(ctx, ticket, "noted")
    ctx.session.flush()
    return note  # type: ignore[return-value]


def requester_reply(ctx: ServiceContext, ticket: Ticket, body: str, uploads: Sequence[Upload] = ()) -> Ticket:
    """The requester answers (or adds evidence) from the status page; a recently resolved ticket reopens."""
    if ticket.status == "closed" or (ticket.status == "resolved" and ticket.resolved_at is not None
                                     and ctx.clock.now() - ticket.resolved_at
                                     > timedelta(days=ctx.settings.ticket_reopen_days)):
        raise TicketClosed()
    if not (body or "").strip() and not uploads:
        raise ValidationFailed({"body": [N_("Write a message or add a file.")]})
    _add_message(ctx, ticket, body, author_type="requester")
    attach_files(ctx, ticket, uploads, uploaded_by="requester")
    if ticket.status in ("waiting_on_user", "resolved"):
        audit(ctx, ticket, "reopened" if ticket.status == "resolved" else "requester_replied")
        ticket.status = "open"
        sync_sla(ctx, ticket)
    else:
        audit(ctx, ticket, "requester_replied")
    ctx.session.flush()
    return ticket


def _move(ctx: ServiceContext, ticket: Ticket, *, queue: str, priority: int, reason: str) -> None:
    previous = {"queue": ticket.queue, "priority": ticket.priority}
    ticket.queue, ticket.priority = queue, priority
    audit(ctx, ticket, "rerouted", reason=reason, queue=queue, priority=priority, previous=previous)
    if previous["queue"] != queue:
        assign_round_robin(ctx, ticket)


def reroute(ctx: ServiceContext, ticket: Ticket, staff: User, *, queue: str, reason: str,
            priority: int | None = None) -> Ticket:
    """Move a ticket by hand, with a reason; a new queue means a new owner from that queue's round-robin."""
    require_staff_access(staff, ticket)
    _check_open_arguments(ticket.category, ticket.subject, "", priority, queue)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [N_("Say why the ticket moves.")]})
    if ticket.category == "stolen_account" and (queue != "security" or (priority or 1) != 1):
        raise ValidationFailed({"queue": [N_("A stolen account stays a P1 ticket in the security queue.")]})
    _move(ctx, ticket, queue=queue, priority=priority or ticket.priority, reason=reason.strip()[:500])
    ctx.session.flush()
    return ticket


def escalate(ctx: ServiceContext, ticket: Ticket, staff: User | None, *, reason: str) -> Ticket:
    """One step more urgent and the queue's lead is told; by hand (staff) or by the SLA check (None)."""
    if staff is not None:
        require_staff_access(staff, ticket)
    previous = ticket.priority
    ticket.priority = sla.escalated(previous)
    audit(ctx, ticket, "escalated", reason=reason, priority=ticket.priority, previous=previous)
    for lead in queue_leads(ctx, ticket.queue):
        queue_email(ctx, to=lead.email, template="ticket_escalated", locale=lead.locale, user_id=lead.id,
                    ticket_id=ticket.id, subject_line=ticket.subject, queue=ticket.queue,
                    priority=ticket.priority, reason=reason, link=ctx.link("tickets.ticket", ticket_id=ticket.id))
    log.info("ticket %s escalated to P%s (%s)", ticket.id, ticket.priority, reason)
    ctx.session.flush()
    return ticket
