"""Requests from people who cannot sign in: appeals and account-recovery requests, proven by a code first.

```mermaid
stateDiagram-v2
    [*] --> code_sent: request_appeal (code to every address on file) / request_recovery (code to the new contact)
    code_sent --> ticket: confirm_* with the code (single use, 30 minutes, 5 attempts); repeats join own ticket
    code_sent --> dead: expired, 5 codes tried, or a newer code was sent
    ticket --> on_hold: recovery request or second-factor reset (every address on file told, with a cancel link)
    on_hold --> reviewable: ticket_recovery_hold_hours pass without cancellation
    on_hold --> withdrawn: cancel link used
```

An appeal's code goes only to addresses already on file, never to an address the requester types in: an
attacker may control a new one. A recovery request (every factor and maybe the mailbox lost) proves only a
new contact, so it gets a security hold, automatic checks of its answers against the account's records, and
a notice with a cancel link to every address on file. A second-factor reset by appeal is held and told the
same way (its code went to a mailbox, which an attacker with the password may also hold). A request from a
different contact never joins another requester's ticket: the status link is that requester's only key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from sqlalchemy import select, update

from recovery import codes
from recovery.accounts.models import User
from recovery.accounts.service import find_user_by_email, notify_security
from recovery.codes import Codes, Redeemed
from recovery.context import ServiceContext
from recovery.emails import email_problem, mask_email, normalise_email
from recovery.errors import N_, TokenInvalid, ValidationFailed
from recovery.events.service import record_event
from recovery.outbox.service import queue_email
from recovery.tickets.access import cancel_link, ticket_for_status_token
from recovery.tickets.errors import AppealTooSoon, TicketClosed
from recovery.tickets.evidence import Upload
from recovery.tickets.identity import check_identity
from recovery.tickets.lifecycle import audit, notify_requester, sync_sla
from recovery.tickets.models import IntakeChallenge, Ticket, TicketDecision
from recovery.tickets.notes import NO_ACCOUNT, note
from recovery.tickets.service import add_system_note, open_ticket, requester_reply
from recovery.tickets.transcript import TranscriptEntry, attach_transcript

APPEAL_REASONS = {
    "banned_by_mistake": ("unblock_appeal", N_("My account was banned by mistake")),
    "account_locked": ("unblock_appeal", N_("My account is locked")),
    "account_stolen": ("stolen_account", N_("Someone else took over my account")),
    "lost_second_factor": ("mfa_reset", N_("I lost my second factor")),
    "other": ("unblock_appeal", N_("Something else")),
}
# Requests that wait out ticket_recovery_hold_hours, told to every address on file with a cancel link. A
# requester's "someone else took over my account" is among them: a claim, not the owner's proof (only
# containment's case, opened by the owner securing the account, is exempt; see tickets/decisions.py).
HELD_CATEGORIES = ("account_recovery", "mfa_reset", "stolen_account")
MAX_ATTEMPTS = 5
_DIGITS = 8
_DIGEST = "ticket-intake"  # bound to the kind and the address the code was sent for
CODES = Codes(IntakeChallenge, max_tries=MAX_ATTEMPTS)
# Files, or a callable that reads them: views pass the reader so nothing is read before the code checks.
Uploads = Sequence[Upload] | Callable[[], Sequence[Upload]]


def _files(uploads: Uploads) -> list[Upload]:
    return list(uploads() if callable(uploads) else uploads)


def _issue(ctx: ServiceContext, kind: str, lookup_email: str, user_id: int | None, payload: dict) -> str:
    """A fresh code for this request; older live codes for the same address and kind stop working."""
    now = ctx.clock.now()
    ctx.session.execute(update(IntakeChallenge)
                        .where(IntakeChallenge.kind == kind, IntakeChallenge.lookup_email == lookup_email,
                               IntakeChallenge.used_at.is_(None))
                        .values(used_at=now).execution_options(synchronize_session=False))
    code = ctx.tokens.numeric_code(_DIGITS)
    ctx.session.add(IntakeChallenge(kind=kind, lookup_email=lookup_email, user_id=user_id, payload=payload,
                                    code_digest=codes.digest(ctx, code, _DIGEST, kind, lookup_email),
                                    attempts=0, created_at=now,
                                    expires_at=now + timedelta(minutes=ctx.settings.verification_code_minutes)))
    return code


def _consume(ctx: ServiceContext, kind: str, lookup_email: str, code: str) -> IntakeChallenge:
    """The live challenge this code opens, used up atomically; every failure is the same TokenInvalid.

    Its try is counted and committed before the code is compared (recovery.codes), so a wrong one stays counted
    although the request rolls back: call this before the request writes anything."""
    row = ctx.session.scalar(select(IntakeChallenge)
                             .where(IntakeChallenge.kind == kind, IntakeChallenge.lookup_email == lookup_email)
                             .order_by(IntakeChallenge.id.desc()).limit(1))
    redeemed = CODES.redeem(ctx, row, code, digits=_DIGITS, digest_column="code_digest", purpose=_DIGEST,
                            subject=(kind, lookup_email))
    if redeemed is not Redeemed.USED or row is None:
        raise TokenInvalid()
    return row


def _check_message(message: str) -> str:
    message = (message or "").strip()
    if not message:
        raise ValidationFailed({"message": [N_("Tell us what happened.")]})
    if len(message) > 5000:
        raise ValidationFailed({"message": [N_("Keep the message under 5,000 characters.")]})
    return message


# --- appeals ---------------------------------------------------------------------------------------------

def request_appeal(ctx: ServiceContext, *, email: str, reason: str, message: str) -> None:
    """Send a code to every address on file of the account; an unknown email gets the same answer and no mail."""
    if reason not in APPEAL_REASONS:
        raise ValidationFailed({"reason": [N_("Choose a reason.")]})
    message = _check_message(message)
    user = find_user_by_email(ctx, email)
    if user is None:
        return
    code = _issue(ctx, "appeal", user.email, user.id, {"reason": reason, "message": message, "locale": ctx.locale})
    notify_security(ctx, user, "appeal_code", code=code, minutes=ctx.settings.verification_code_minutes,
                    confirm_link=ctx.link("tickets_intake.appeal_confirm"))
    record_event(ctx, "ticket.appeal.code_sent", user_id=user.id, reason=reason)


def _latest_denial(ctx: ServiceContext, user_id: int) -> TicketDecision | None:
    query = (select(TicketDecision).join(Ticket, Ticket.id == TicketDecision.ticket_id)
             .where(Ticket.user_id == user_id, TicketDecision.status == "executed",
                    TicketDecision.outcome == "denied")
             .order_by(TicketDecision.executed_at.desc()).limit(1))
    return ctx.session.scalar(query)


def confirm_appeal(ctx: ServiceContext, *, email: str, code: str, uploads: Uploads = ()) -> Ticket:
    """With the code from an address on file, open the appeal (or add to the account's open one).

    A second-factor reset and a self-declared stolen account are held like a recovery request, and every
    address on file is told with a cancel link: whoever has the password and one mailbox must not get the
    factor removed at once."""
    user = find_user_by_email(ctx, email)
    if user is None:
        raise TokenInvalid()
    challenge = _consume(ctx, "appeal", user.email, code)
    denial = _latest_denial(ctx, user.id)
    if denial is not None and denial.appeal_again_after and ctx.clock.now() < denial.appeal_again_after:
        raise AppealTooSoon(after=denial.appeal_again_after.strftime("%Y-%m-%d"))
    reason = challenge.payload["reason"]
    category, label = APPEAL_REASONS[reason]
    held = category in HELD_CATEGORIES
    hold_hours = ctx.settings.ticket_recovery_hold_hours if held else None
    ticket = open_ticket(ctx, category=category, user_id=user.id, subject=f"Appeal: {label}",
                         message=challenge.payload["message"], source="appeal", attachments=_files(uploads),
                         tags=[f"reason:{reason}"], hold_hours=hold_hours)
    record_event(ctx, "ticket.appeal.confirmed", user_id=user.id, ticket_id=ticket.id)
    if held:
        _tell_addresses_on_file(ctx, user, ticket, contact=None)
    return ticket


# --- account-recovery requests ---------------------------------------------------------------------------

def request_recovery(ctx: ServiceContext, *, account_email: str, contact_email: str, message: str,
                     answers: dict[str, str]) -> None:
    """Send a code to the new contact the requester gives; the same for known and unknown account emails."""
    contact = normalise_email(contact_email)
    problem = email_problem(contact)
    if problem:
        raise ValidationFailed({"contact_email": [problem]})
    message = _check_message(message)
    user = find_user_by_email(ctx, account_email)
    code = _issue(ctx, "recovery", contact, user.id if user else None,
                  {"account_email": normalise_email(account_email), "message": message, "locale": ctx.locale,
                   "answers": {k: (v or "").strip()[:200] for k, v in answers.items()}})
    queue_email(ctx, to=contact, template="appeal_contact_code", locale=ctx.locale, code=code,
                minutes=ctx.settings.verification_code_minutes,
                confirm_link=ctx.link("tickets_intake.recovery_confirm"))
    if user is not None:
        record_event(ctx, "ticket.recovery.code_sent", user_id=user.id, contact=mask_email(contact))


def confirm_recovery(ctx: ServiceContext, *, contact_email: str, code: str, uploads: Uploads = ()) -> Ticket:
    """With the code from the new contact, open the request on hold and tell every address on file at once."""
    contact = normalise_email(contact_email)
    challenge = _consume(ctx, "recovery", contact, code)
    user = ctx.session.get(User, challenge.user_id) if challenge.user_id else None
    payload = challenge.payload
    checks = check_identity(ctx, user, payload.get("answers", {}))
    ticket = open_ticket(ctx, category="account_recovery", user_id=user.id if user else None,
                         subject=f"Account recovery: {mask_email(payload['account_email'])}",
                         message=payload["message"], source="recovery_request", requester_email=contact,
                         hold_hours=ctx.settings.ticket_recovery_hold_hours, identity_checks=checks,
                         attachments=_files(uploads))
    if user is None:  # staff only: the requester's view is the same for a known and an unknown account
        add_system_note(ctx, ticket, note(NO_ACCOUNT))
        return ticket
    record_event(ctx, "ticket.recovery.requested", user_id=user.id, ticket_id=ticket.id,
                 contact=mask_email(contact))
    _tell_addresses_on_file(ctx, user, ticket, contact=mask_email(contact))
    return ticket


def _tell_addresses_on_file(ctx: ServiceContext, user: User, ticket: Ticket, *, contact: str | None) -> None:
    """Every address on file hears of a held request at once, with the link that cancels it."""
    notify_security(ctx, user, "appeal_recovery_notice", ticket_id=ticket.id, contact=contact,
                    kind=ticket.category, hold_until=ticket.hold_until, cancel_link=cancel_link(ctx, ticket))


def cancel_recovery(ctx: ServiceContext, ticket: Ticket) -> Ticket:
    """The account's owner, from an address on file, stops a recovery request: it is withdrawn and closed."""
    if ticket.category not in HELD_CATEGORIES or ticket.opened_by_containment or not ticket.is_open:
        raise TicketClosed()
    now = ctx.clock.now()
    ctx.session.add(TicketDecision(ticket_id=ticket.id, outcome="withdrawn", actions=[], status="executed",
                                   reason="Cancelled from an address on file of the account.", message="",
                                   created_at=now, executed_at=now))
    ticket.status, ticket.outcome, ticket.decided_at, ticket.resolved_at = "closed", "withdrawn", now, now
    ticket.closed_at = now
    sync_sla(ctx, ticket)
    audit(ctx, ticket, "cancelled", by="address_on_file")
    record_event(ctx, "ticket.recovery.cancelled", user_id=ticket.user_id, ticket_id=ticket.id)
    notify_requester(ctx, ticket, "ticket_decision", outcome="withdrawn", cancelled=True, reason="", message="",
                     appeal_again_after=None)
    ctx.session.flush()
    return ticket


# --- contact and the assistant's hand-off ------------------------------------------------------------------

SUPPORT_KINDS = ("contact", "assistant")  # the IntakeChallenge kinds of a signed-out request to a person


def request_support_code(ctx: ServiceContext, *, kind: str, email: str, payload: dict) -> None:
    """Signed out, a contact message or a hand-off proves an address on file first, like an appeal: the code goes
    to every address on the account; an unknown email gets the same answer and no mail.

    The email carries the code and no link: whoever asked has the page open to type it into, and a link would
    lead the account's owner, who did not ask, onto a stranger's conversation or message to confirm it (the
    attacker review of this round)."""
    user = find_user_by_email(ctx, email)
    if user is None or kind not in SUPPORT_KINDS:
        return
    code = _issue(ctx, kind, user.email, user.id, {**payload, "locale": ctx.locale})
    notify_security(ctx, user, "support_code", code=code, minutes=ctx.settings.verification_code_minutes)
    record_event(ctx, "ticket.contact.code_sent" if kind == "contact" else "ticket.assistant.code_sent",
                 user_id=user.id)


def redeem_support_code(ctx: ServiceContext, *, kind: str, email: str, code: str) -> tuple[User, dict]:
    """The account and the payload the code was sent for; every failure is the same TokenInvalid."""
    user = find_user_by_email(ctx, email)
    if user is None:
        raise TokenInvalid()
    challenge = _consume(ctx, kind, user.email, code)
    return user, dict(challenge.payload)


def open_support_request(ctx: ServiceContext, *, user: User, category: str, subject: str, message: str,
                         source: str, tags: Sequence[str] = (), transcript: Sequence[TranscriptEntry] = ()
                         ) -> Ticket:
    """A request a person made to support (the contact form, the assistant's hand-off), routed by the rules in
    the requester's language. A claim that needs a hold (a stolen account, a lost second factor) waits it out
    and every address on file is told with a cancel link, exactly as for an appeal."""
    held = category in HELD_CATEGORIES
    ticket = open_ticket(ctx, category=category, user_id=user.id, subject=subject, message=_check_message(message),
                         source=source, tags=tags,
                         hold_hours=ctx.settings.ticket_recovery_hold_hours if held else None)
    if transcript:
        attach_transcript(ctx, ticket, transcript)
    record_event(ctx, "ticket.contact.sent" if source == "contact" else "ticket.assistant.handed_off",
                 user_id=user.id, ticket_id=ticket.id, category=category)
    if held:
        _tell_addresses_on_file(ctx, user, ticket, contact=None)
    return ticket


def open_contact(ctx: ServiceContext, *, user: User, message: str) -> Ticket:
    """The contact form's request: category `other`, routed by the rules (keywords, account signals)."""
    first_line = (message or "").strip().splitlines()[0][:80] if (message or "").strip() else ""
    return open_support_request(ctx, user=user, category="other", subject=f"Contact: {first_line}",
                                message=message, source="contact", tags=[f"lang:{ctx.locale}"])


# --- the requester's answers ---------------------------------------------------------------------------

def rate_ticket(ctx: ServiceContext, ticket: Ticket, score: int) -> Ticket:
    """The one-question survey (1-5) once the ticket is resolved; a second answer replaces the first."""
    if ticket.status not in ("resolved", "closed") or ticket.outcome == "withdrawn":
        raise TicketClosed(N_("You can rate a request once it has been decided."))
    if score not in (1, 2, 3, 4, 5):
        raise ValidationFailed({"score": [N_("Choose a score from 1 to 5.")]})
    ticket.satisfaction, ticket.satisfaction_at = score, ctx.clock.now()
    audit(ctx, ticket, "survey.answered", score=score)
    ctx.session.flush()
    return ticket


def requester_reply_by_token(ctx: ServiceContext, token: str, body: str, uploads: Uploads = ()) -> Ticket:
    """A reply (and files) from the status page's signed link; the files are read only once the link checks."""
    ticket = ticket_for_status_token(ctx, token)
    return requester_reply(ctx, ticket, body, _files(uploads))
