"""Password reset: request a link, look at it, use it once; the whole flow in domain terms (no Flask).

```mermaid
stateDiagram-v2
    [*] --> live: request_reset, run by a worker (known, active account; link emailed)
    live --> used: confirm_reset (one atomic conditional UPDATE; the password changes)
    live --> revoked: a 4th newer link (oldest retired), another link used, revoke_resets
    live --> dead: expires_at passed, the password hash changed (the tag in the token no longer matches),
                   or the account status changed after the link was sent
    used --> [*]
    revoked --> [*]
```

Errors: ResetLinkInvalid / ResetLinkExpired / ResetLinkUsed / ResetLinkRevoked (see reset/errors.py),
SecondFactorRequired, SecondFactorInvalid, ValidationFailed (the new password breaks the policy).

The only writer of `password_resets`. Other capabilities call: issue_link (a live link to one of their pages),
check_link and consume_link (a page of theirs that sets the password through such a link), revoke_resets,
send_reset_link (staff).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update

from recovery.accounts.models import User
from recovery.accounts.service import (
    check_new_password,
    find_user_by_email,
    password_requirements,
    set_password,
)
from recovery.accounts.status import reason_for_owner
from recovery.context import ServiceContext
from recovery.db import rowcount
from recovery.emails import mask_email, normalise_email
from recovery.errors import RecoveryError, TooManyAttempts
from recovery.events.service import record_event
from recovery.mfa.service import has_second_factor, verify_second_factor
from recovery.outbox.service import queue_email
from recovery.outbox.tasks import queue_task_alone
from recovery.passkeys import service as passkeys
from recovery.passkeys.service import Assertion, Ceremony
from recovery.reset.errors import (
    ResetLinkExpired,
    ResetLinkInvalid,
    ResetLinkRevoked,
    ResetLinkUsed,
    SecondFactorInvalid,
    SecondFactorRequired,
)
from recovery.reset.models import PasswordReset
from recovery.reset.policy import reset_policy
from recovery.reset.tokens import issue_token, read_token, tag_matches

LINK_TEMPLATE = "reset_link"
BLOCKED_TEMPLATE = "reset_blocked_account"
DONE_TEMPLATE = "password_reset_done"  # sent by accounts.set_password


@dataclass(frozen=True)
class ResetForm:
    """What the new-password form needs to know about the account behind a live link."""

    masked_email: str
    needs_code: bool
    min_length: int
    max_length: int
    offers_passkey: bool = False  # the account holds a passkey: the form offers it as the second factor


@dataclass(frozen=True)
class ResetOutcome:
    user: User
    sessions_revoked: int


# --- requesting a link -----------------------------------------------------------------------------------

REQUEST_TASK = "reset.request"


def queue_reset_request(ctx: ServiceContext, email: str) -> None:
    """What a reset request does inside the request: queue `request_reset` for a worker, nothing else.

    Every address, with or without an account, costs the request the same single insert, so neither the
    answer nor its timing can tell them apart (bench/reset_enumeration.py measures it); the worker picks it
    up within its poll interval and the email follows. The insert is the request's only write, so an anonymous
    request commits it by itself, without waiting for the disk (docs/security.md, "Durability") and, on
    PostgreSQL, without a transaction's BEGIN and COMMIT round trips.
    """
    queue_task_alone(ctx, REQUEST_TASK, email=normalise_email(email))


def request_reset(ctx: ServiceContext, email: str) -> None:
    """Email a link to an active account, a what-to-do notice to a blocked one, nothing to an unknown address.

    Run by a delivery worker for queue_reset_request (recovery/reset/tasks.py), with the requester's IP and
    language as the context's actor and locale.
    """
    email = normalise_email(email)
    user = find_user_by_email(ctx, email)
    outcome = "unknown_account" if user is None else _send_to(ctx, user)
    record_event(ctx, "account.password.reset_requested", user_id=user.id if user is not None else None,
                 outcome=outcome, email_key=ctx.tokens.key_for(email, "reset-requested-email"))
    ctx.session.flush()


def send_reset_link(ctx: ServiceContext, user: User, *, to: str | None = None) -> None:
    """Staff (a granted recovery ticket) send the same email the person could have asked for themselves.

    Staff never see or set a password (ASVS 6.4.6): they can only start this flow for the account holder.
    `to` is for a granted account-recovery request whose mailbox is lost: the new contact that the requester
    proved by code, after the security hold passed without a cancellation from the addresses on file.
    """
    outcome = _send_to(ctx, user, to)
    record_event(ctx, "account.password.reset_link_sent", user_id=user.id, outcome=outcome,
                 to_new_contact=to is not None)
    ctx.session.flush()


def _send_to(ctx: ServiceContext, user: User, to: str | None = None) -> str:
    if not user.is_active:
        _retire_old_links(ctx, user.id)
        return _send_blocked_notice(ctx, user)
    link = issue_link(ctx, user, "reset.open_link")
    # To the address on file, never to the string typed in (normalisation tricks cannot redirect it); only
    # staff granting a recovery request name another, already proven address.
    queue_email(ctx, to=to or user.email, template=LINK_TEMPLATE, locale=user.locale, user_id=user.id,
                **_link_email_context(ctx, link))
    return "link_sent"


def issue_link(ctx: ServiceContext, user: User, endpoint: str) -> str:
    """A new live link to `endpoint` (a page taking `token`), retiring the oldest beyond the live-link limit.

    The one way a `password_resets` row is made: this capability's own email, and the links detection puts in
    its lock and containment emails (it never checks the account's status: the page the link opens does).
    """
    _retire_old_links(ctx, user.id)
    now = ctx.clock.now()
    issued = issue_token(ctx, user.password_hash)
    ctx.session.add(PasswordReset(id_digest=issued.id_digest, user_id=user.id, created_at=now,
                                  expires_at=now + reset_policy(ctx.settings).token_lifetime,
                                  requester_ip=ctx.actor.ip))
    return ctx.link(endpoint, token=issued.token)


def _retire_old_links(ctx: ServiceContext, user_id: int) -> None:
    """Keep at most max_live_links - 1 older live links, so with the new one at most max_live_links live."""
    keep = max(reset_policy(ctx.settings).max_live_links - 1, 0)
    newest = (select(PasswordReset.id).where(*_unfinished(user_id))
              .order_by(PasswordReset.id.desc()).limit(keep))
    ctx.session.execute(update(PasswordReset).where(*_unfinished(user_id), PasswordReset.id.not_in(newest))
                        .values(revoked_at=ctx.clock.now(), revoked_reason="replaced")
                        .execution_options(synchronize_session=False))


def _unfinished(user_id: int) -> tuple:
    return (PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None), PasswordReset.revoked_at.is_(None))


def _link_email_context(ctx: ServiceContext, link: str) -> dict:
    return {"link": link, "new_request_link": ctx.link("reset.forgot"),
            "minutes": ctx.settings.reset_token_minutes, "ip": ctx.actor.ip}


def _send_blocked_notice(ctx: ServiceContext, user: User) -> str:
    """Locked, suspended or banned: no link (a reset must not undo the block), but what to do instead."""
    queue_email(ctx, to=user.email, template=BLOCKED_TEMPLATE, locale=user.locale, user_id=user.id,
                status=user.status, reason=reason_for_owner(user.status_reason), appeal_link=_site_path(ctx, "/appeal"),
                ip=ctx.actor.ip)
    return f"refused_{user.status}"


def _site_path(ctx: ServiceContext, path: str) -> str:
    """A plain path under RECOVERY_BASE_URL for pages a later capability provides (appeal, secure-account)."""
    return ctx.settings.base_url.rstrip("/") + path


# --- looking at and using a link -------------------------------------------------------------------------

def inspect_link(ctx: ServiceContext, token: object) -> ResetForm:
    """What the form shows for a live link; consumes nothing (mail scanners open links too)."""
    user = _live_link(ctx, token).user
    rules = password_requirements(ctx, user)
    return ResetForm(masked_email=mask_email(user.email), needs_code=has_second_factor(ctx, user),
                     min_length=rules["min_length"], max_length=rules["max_length"],
                     offers_passkey=passkeys.has_passkey(ctx, user.id))


def passkey_options(ctx: ServiceContext, token: object) -> Ceremony:
    """Options for the second factor of a live link's reset: the account's own passkeys."""
    return passkeys.begin_authentication(ctx, purpose=passkeys.SECOND_FACTOR, user=_live_link(ctx, token).user)


@dataclass(frozen=True)
class LiveLink:
    """A link that may still be used, and its account: what a caller holds between checking and consuming it."""

    id_digest: str
    user: User


def _live_link(ctx: ServiceContext, token: object) -> LiveLink:
    return check_link(ctx, token, account_allows=lambda user: user.is_active)


def check_link(ctx: ServiceContext, token: object, *, account_allows: Callable[[User], bool]) -> LiveLink:
    """The link and its account when the link may still be used, else the ResetLink* error that says why.

    `account_allows` is the account state the link is for: active for the self-service reset, locked as
    stolen for containment's own reset page (recovery.detection.containment).
    """
    read = read_token(ctx, token)
    row = ctx.session.scalar(select(PasswordReset).where(PasswordReset.id_digest == read.id_digest))
    if row is None:
        raise ResetLinkInvalid()
    if row.used_at is not None:
        raise ResetLinkUsed()
    if row.revoked_at is not None:
        raise ResetLinkRevoked()
    if row.expires_at <= ctx.clock.now():
        raise ResetLinkExpired()
    user = ctx.session.get(User, row.user_id)
    if user is None or not tag_matches(ctx, read, user.password_hash) or not account_allows(user) \
            or _status_changed_since(user, row):
        raise ResetLinkRevoked()
    return LiveLink(row.id_digest, user)


def _status_changed_since(user: User, row: PasswordReset) -> bool:
    """A lock, suspension or ban kills the links sent before it, even once the account is active again."""
    return user.status_changed_at is not None and row.created_at < user.status_changed_at


def confirm_reset(ctx: ServiceContext, token: object, password: str, code: str | None = None,
                  passkey: Assertion | None = None) -> ResetOutcome:
    """Set the new password through a live link, once; end every session and link; tell every address. The
    second factor, when the account has one, is a code or a passkey's answer."""
    link = _live_link(ctx, token)
    user = link.user
    check_new_password(ctx, user, password)
    _check_second_factor(ctx, user, passkey or code)
    consume_link(ctx, link)
    links = revoke_resets(ctx, user.id, reason="password_reset")
    sessions = set_password(ctx, user, password, reason="password_reset", details={"links_revoked": links},
                            notice={"not_me_link": _site_path(ctx, "/secure-account")}, proves_address=True)
    lift_temporary_lock(ctx, user)
    ctx.session.flush()
    return ResetOutcome(user=user, sessions_revoked=sessions)


def consume_link(ctx: ServiceContext, link: LiveLink) -> None:
    """Use the link up, in one atomic step: of two simultaneous submissions exactly one sees rowcount 1, the
    other gets ResetLinkUsed."""
    now = ctx.clock.now()
    result = ctx.session.execute(
        update(PasswordReset)
        .where(PasswordReset.id_digest == link.id_digest, PasswordReset.used_at.is_(None),
               PasswordReset.revoked_at.is_(None), PasswordReset.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False))
    if rowcount(result) != 1:
        raise ResetLinkUsed()


def _check_second_factor(ctx: ServiceContext, user: User, code: str | Assertion | None) -> None:
    if not has_second_factor(ctx, user):
        return
    if not code:
        raise SecondFactorRequired()
    try:
        verify_second_factor(ctx, user, code)
    except TooManyAttempts:
        raise
    except RecoveryError as error:
        event = record_event(ctx, "account.password.reset_failed", user_id=user.id, reason="second_factor")
        raise SecondFactorInvalid(persist=[*error.persist, event]) from error


def revoke_resets(ctx: ServiceContext, user_id: int, *, reason: str) -> int:
    """End every outstanding link of the user (after a reset, a stolen-account report, a suspension)."""
    result = ctx.session.execute(update(PasswordReset).where(*_unfinished(user_id))
                                 .values(revoked_at=ctx.clock.now(), revoked_reason=reason[:32])
                                 .execution_options(synchronize_session=False))
    return rowcount(result)


# --- what other capabilities do when a reset completes -------------------------------------------

_AFTER_RESET: list[Callable[[ServiceContext, User], None]] = []


def after_reset(fn: Callable[[ServiceContext, User], None]) -> Callable[[ServiceContext, User], None]:
    """Subscribe `fn(ctx, user)` to every completed reset, run in its transaction: detection lifts its temporary
    lock this way. A capability above reset subscribes; reset never imports it (no cycle, none hidden)."""
    if fn not in _AFTER_RESET:
        _AFTER_RESET.append(fn)
    return fn


def lift_temporary_lock(ctx: ServiceContext, user: User) -> None:
    """What a completed reset tells its subscribers (detection lifts a brute-force lock). Status locks by staff
    or a stolen report stay: a reset never changes user.status, and a non-active account never gets a link."""
    for subscriber in _AFTER_RESET:
        subscriber(ctx, user)
