"""Containing a stolen account: "No, secure my account", the /secure-account page and the security page.

secure_account, in one transaction: the account is locked (status `locked`, reason stolen), every session and
reset link ends, pending sign-in steps and the email buttons die, the second factors added since the exposure
began go (passkeys, and an authenticator confirmed since: a thief with the password alone could add them), the
event is recorded, a P1 `stolen_account` ticket opens in the `security` queue with the suspicious sign-ins
and the removed factors attached, the security team gets an alert, and the owner gets ONE email per address
on file (`account_secured`): what happened, the factors removed, the case to follow, and, to the account's own
address only, the reset link. The lock and the case send nothing of their own (no
"your account is now locked, you can appeal" beside it: the owner is already a P1 case). The person lands on
the ticket's status page; a correct password on the locked account is answered with the open case
(`case_next_step`), not an appeal.

That reset link is a deliberate exception (docs/security.md): a locked account never gets a reset link from
recovery/reset, but the owner who just reported the theft should take the password back at once. The link
works only while the account is locked *as stolen*, only for a link issued at or after that lock, and it only
sets the password (second factor still required: a code, or one of the account's passkeys): it does not
unlock. Unlocking stays a decision of the
security team on the ticket (four-eyes).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update

from recovery.accounts.models import User
from recovery.accounts.notify import notify_security
from recovery.accounts.service import (
    check_new_password,
    find_user_by_email,
    password_requirements,
    set_password,
)
from recovery.accounts.status import is_stolen_lock, lock_as_stolen
from recovery.alerts.service import raise_alert
from recovery.context import Actor, ServiceContext
from recovery.detection import notices, queries
from recovery.detection.attempts import remember_device
from recovery.detection.errors import PasskeyNotAccepted, PasskeyRequired
from recovery.detection.models import KnownDevice, NoticeLink, SigninAttempt
from recovery.detection.stepup import drop_step_ups
from recovery.emails import mask_email
from recovery.errors import N_, RecoveryError, TooManyAttempts
from recovery.events.service import record_event
from recovery.mfa.service import (
    RemovedFactor,
    drop_challenges,
    has_second_factor,
    remove_factors_added_since,
    totp_enabled,
    verify_second_factor,
)
from recovery.passkeys import service as passkeys
from recovery.passkeys.service import Assertion, Ceremony
from recovery.reset.errors import SecondFactorInvalid, SecondFactorRequired
from recovery.reset.service import LiveLink, check_link, consume_link, issue_link, revoke_resets
from recovery.sessions.service import oldest_live_start, revoke_all_sessions
from recovery.tickets.access import status_link
from recovery.tickets.notes import (
    FACTOR_KINDS,
    FACTOR_REMOVED,
    FACTORS_REMOVED,
    REPORTED_STOLEN,
    SECURED_FROM,
    UNKNOWN_DEVICE,
    UNKNOWN_PLACE,
    note,
)
from recovery.tickets.service import Ticket, find_open_ticket, latest_ticket, open_ticket

SECURED_TEMPLATE = "account_secured"
LINK_TEMPLATE = "secure_account_link"
PASSWORD_ENDPOINT = "detection.secure_password"  # noqa: S105 - an endpoint name
_SUSPICIOUS = 20
# The locked sign-in's next step while the owner's case is open. No link: a correct password does not prove the
# owner (the thief has it too), and the status link is the case's key, so it stays in the owner's mailbox.
CASE_STEP = N_("You told us this account was stolen, so we locked it. Our security team is working on your "
               "request: follow it with the link in the email we sent to the addresses on this account.")


def secure_account(ctx: ServiceContext, user: User, *, source: str, attempt_id: int | None = None) -> Ticket:
    """Lock, revoke, record, open the P1 ticket, alert, and send the reset link; returns the ticket."""
    acting = dataclasses.replace(ctx, actor=Actor("system", None, ctx.actor.ip, f"secure-account:{source}"))
    exposed_since = _exposed_since(ctx, user, attempt_id)  # read before the lock ends the sessions
    lock_as_stolen(acting, user, source=source)  # ends sessions, tells every address; a stronger one stays
    sessions = revoke_all_sessions(ctx, user.id, reason="account_secured")
    links = revoke_resets(ctx, user.id, reason="stolen_report")
    _end_pending_steps(ctx, user, attempt_id)
    removed = remove_factors_added_since(ctx, user, exposed_since) if exposed_since is not None else []
    ticket = open_ticket(ctx, category="stolen_account", user_id=user.id, subject="Account reported stolen",
                         message=note(REPORTED_STOLEN, how=SECURED_FROM.get(source, source))
                                 + _removed_note(removed, exposed_since),
                         source="secure_account",
                         attachments=[*_removed_records(removed), *suspicious_signins(ctx, user.id)],
                         tags=["stolen", source], opened_by_containment=True, announce=False)
    reset_link = issue_link(ctx, user, PASSWORD_ENDPOINT)
    notify_security(ctx, user, SECURED_TEMPLATE, primary_only={"reset_link": reset_link},
                    reset_minutes=ctx.settings.reset_token_minutes, status_link=status_link(ctx, ticket),
                    ticket_id=ticket.id, status=user.status, answer_by=ticket.first_response_due_at,
                    factors_removed=[f.name for f in removed if f.kind == "passkey"],
                    authenticator_removed=any(f.kind == "totp" for f in removed))
    raise_alert(ctx, rule="account_reported_stolen", severity="high", user_id=user.id,
                evidence={"source": source, "ticket_id": ticket.id, "ip": ctx.actor.ip})
    record_event(ctx, "account.secured", user_id=user.id, source=source, ticket_id=ticket.id,
                 sessions_revoked=sessions, links_revoked=links,
                 exposed_since=exposed_since.isoformat() if exposed_since else None,
                 factors_removed=[{"kind": f.kind, "name": f.name, "created_at": f.created_at.isoformat(),
                                   "device": f.device, "place": f.place} for f in removed])
    ctx.session.flush()
    return ticket


def _exposed_since(ctx: ServiceContext, user: User, attempt_id: int | None) -> datetime | None:
    """Since when someone else may have held the account: the start of its oldest live session, else the
    reported sign-in attempt's time, else unknown (None: no second factor is removed)."""
    oldest = oldest_live_start(ctx, user.id)
    if oldest is not None:
        return oldest
    attempt = ctx.session.get(SigninAttempt, attempt_id) if attempt_id is not None else None
    return attempt.created_at if attempt is not None and attempt.user_id == user.id else None


def _removed_records(removed: list[RemovedFactor]) -> list[dict]:
    """The removed second factors as the ticket's linked records, beside the suspicious sign-ins."""
    return [{"type": "second_factor_removed", "kind": f.kind, "name": f.name,
             "added": _utc(f.created_at), "device": f.device, "place": f.place}
            for f in removed]


def _removed_note(removed: list[RemovedFactor], since: datetime | None) -> str:
    """The internal note's account of the second factors containment removed (for the security team)."""
    if not removed:
        return ""
    lines = [note(FACTOR_REMOVED, kind=FACTOR_KINDS.get(f.kind, f.kind), name=f.name, added=_utc(f.created_at),
                  device=f.device or UNKNOWN_DEVICE, place=f.place or UNKNOWN_PLACE) for f in removed]
    return "\n\n" + "\n".join([note(FACTORS_REMOVED, since=_utc(since) if since else ""), *lines])


def _utc(moment: datetime) -> str:
    """A moment as the security team reads it in notes and attachments, to the second."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def open_case(ctx: ServiceContext, user: User) -> Ticket | None:
    """The account's open stolen-account case that containment opened (the owner's own report), if any."""
    return find_open_ticket(ctx, user.id, "stolen_account", opened_by_containment=True)


def case_next_step(ctx: ServiceContext, user: User) -> dict | None:
    """What a correct password on a stolen-locked account is told instead of "you can appeal": its open case.
    None when there is no such case (the ordinary appeal applies)."""
    case = open_case(ctx, user) if is_stolen_lock(user) else None
    if case is None:
        return None
    return {"action": "case", "message": CASE_STEP, "ticket_id": case.id, "url": None}


def _end_pending_steps(ctx: ServiceContext, user: User, attempt_id: int | None) -> None:
    """No second-factor or emailed-code step may finish, no "it was me" may trust a device, and the device of
    the reported attempt is forgotten."""
    drop_step_ups(ctx, user.id)
    drop_challenges(ctx, user.id)
    ctx.session.execute(update(NoticeLink).where(NoticeLink.user_id == user.id, NoticeLink.used_at.is_(None))
                        .values(used_at=ctx.clock.now()).execution_options(synchronize_session=False))
    if attempt_id is not None:
        attempt = ctx.session.get(SigninAttempt, attempt_id)
        if attempt is not None and attempt.device_key and attempt.user_id == user.id:
            ctx.session.execute(delete(KnownDevice).where(KnownDevice.user_id == user.id,
                                                          KnownDevice.device_key == attempt.device_key))


def suspicious_signins(ctx: ServiceContext, user_id: int) -> list[dict]:
    """The recent attempts worth an agent's look: anything not a plain, known-device success."""
    rows = queries.recent_signins(ctx, user_id, limit=_SUSPICIOUS * 3)
    picked = [row for row in rows if row.outcome != "success" or (row.reasons or [])][:_SUSPICIOUS]
    return [{"type": "signin_attempt", "at": _utc(row.created_at),
             "stage": row.stage, "outcome": row.outcome, "ip": row.ip or "", "place": row.place,
             "asn": row.asn or "", "device": row.device_label, "score": row.score,
             "reasons": ", ".join(row.reasons or [])} for row in picked]


# --- the buttons of the "new sign-in" email -------------------------------------------------------------------

def confirm_it_was_me(ctx: ServiceContext, token: object) -> User:
    """"Yes, it was me": the device becomes known (and confirmed); nothing else changes."""
    row = notices.read_link(ctx, token, notices.CONFIRM)
    notices.consume(ctx, row)
    user = ctx.session.get_one(User, row.user_id)
    attempt = ctx.session.get(SigninAttempt, row.attempt_id) if row.attempt_id else None
    if attempt is not None:
        remember_device(ctx, user, attempt, confirmed=True)
    record_event(ctx, "detection.device.confirmed", user_id=row.user_id, attempt_id=row.attempt_id)
    ctx.session.flush()
    return user


def report_not_me(ctx: ServiceContext, token: object) -> Ticket:
    """"No, secure my account": single use, and it can only lock - whatever state the account is in."""
    row = notices.read_link(ctx, token, notices.SECURE)
    notices.consume(ctx, row, with_sibling=True)
    user = ctx.session.get_one(User, row.user_id)
    record_event(ctx, "detection.signin.reported", user_id=row.user_id, attempt_id=row.attempt_id)
    return secure_account(ctx, user, source="email_button", attempt_id=row.attempt_id)


def request_secure_link(ctx: ServiceContext, email: str) -> None:
    """The /secure-account form, signed out: email a "secure my account" button to the addresses on file.

    The same answer for every address; an unknown one gets nothing. The button only locks, so whoever asks
    can at worst send the owner a button the owner may ignore.
    """
    user = find_user_by_email(ctx, email)
    if user is None:
        return
    link = notices.button_link(ctx, user, notices.SECURE)
    notify_security(ctx, user, LINK_TEMPLATE, secure_link=link, link_days=ctx.settings.detection_link_days)
    record_event(ctx, "detection.secure_link.sent", user_id=user.id)


# --- the reset link of the containment email -------------------------------------------------------------------

@dataclass(frozen=True)
class SecureResetForm:
    masked_email: str
    needs_code: bool  # a code is asked: the account has an authenticator (or a flag with no passkey to offer)
    min_length: int
    max_length: int
    offers_passkey: bool = False  # the account holds a passkey: the page offers it as the second factor


def _live(ctx: ServiceContext, token: object) -> LiveLink:
    """Containment's reset link works only while the account is locked as stolen (and was issued after it)."""
    return check_link(ctx, token, account_allows=is_stolen_lock)


def inspect_secure_reset(ctx: ServiceContext, token: object) -> SecureResetForm:
    user = _live(ctx, token).user
    rules = password_requirements(ctx, user)
    offers_passkey = passkeys.has_passkey(ctx, user.id)
    # A passkey-only account is not asked for a 6-digit code it has no app for (it has no recovery codes either).
    needs_code = totp_enabled(ctx, user) or (has_second_factor(ctx, user) and not offers_passkey)
    return SecureResetForm(mask_email(user.email), needs_code, rules["min_length"], rules["max_length"],
                           offers_passkey)


def secure_reset_passkey_options(ctx: ServiceContext, token: object) -> Ceremony:
    """Options for the second factor of the live containment link: only that account's own passkeys."""
    return passkeys.begin_authentication(ctx, purpose=passkeys.SECOND_FACTOR, user=_live(ctx, token).user)


def confirm_secure_reset(ctx: ServiceContext, token: object, password: str, code: str | None,
                         passkey: Assertion | None = None) -> Ticket | None:
    """Set the new password of a stolen-locked account; it stays locked. The second factor, when the account has
    one, is a code or the answer of one of its passkeys. Returns the open stolen ticket."""
    link = _live(ctx, token)
    user = link.user
    check_new_password(ctx, user, password)
    if has_second_factor(ctx, user):
        proof = passkey or code
        if not proof:
            passkey_only = passkeys.has_passkey(ctx, user.id) and not totp_enabled(ctx, user)
            raise PasskeyRequired() if passkey_only else SecondFactorRequired()
        try:
            verify_second_factor(ctx, user, proof)
        except TooManyAttempts:
            raise
        except RecoveryError as error:
            refused = PasskeyNotAccepted if passkey is not None else SecondFactorInvalid
            raise refused(persist=list(error.persist)) from error
    consume_link(ctx, link)
    revoke_resets(ctx, user.id, reason="password_reset")
    set_password(ctx, user, password, reason="password_reset", details={"via": "secure_account", "still_locked": True},
                 notice={"not_me_link": ctx.link("detection.secure_account")})
    ctx.session.flush()
    return latest_ticket(ctx, user.id, "stolen_account")
