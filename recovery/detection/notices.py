"""The "new sign-in to your account" email and its two buttons (the secure one also in the step-up code email).

"Yes, it was me" marks the device known; "No, secure my account" contains the account (containment.py).
Both are signed (itsdangerous, their own salt, timestamp from the injected clock), single use (one atomic
conditional UPDATE), valid 7 days, and kept only as an HMAC of their random id. The secure button can only
lock: nothing reachable from it unlocks anything. At most one email per device per 15 minutes.

A wrong second factor after a correct password is told only when it means something (docs/security.md,
"Second-factor failure notices"): the failure queues a task for SECOND_FACTOR_GRACE later
(`second_factor_failed`); the worker then sends the notice unless the same, already known device signed in
within that grace (the owner mistyped), and at most once per account per notice period (15 minutes).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select, update

from recovery.accounts.models import User
from recovery.accounts.notify import notify_security
from recovery.context import ServiceContext
from recovery.db import rowcount
from recovery.detection.errors import NoticeLinkExpired, NoticeLinkInvalid, NoticeLinkUsed
from recovery.detection.models import KnownDevice, NoticeLink, SigninAttempt
from recovery.detection.policy import detection_policy
from recovery.outbox.tasks import queue_task
from recovery.places import PlaceName

TEMPLATE = "new_signin"
CONFIRM, SECURE = "confirm", "secure"
_SALT = "recovery.signin-notice.v1"
_ID_PURPOSE = "signin-notice-link"
_MAX_TOKEN = 512
SECOND_FACTOR_TASK = "detection.second_factor.notice"
# How long a wrong second factor waits for the owner's success before it is worth an email: a mistyped code is
# retyped within seconds; a thief who has the password and not the factor never succeeds.
SECOND_FACTOR_GRACE = timedelta(minutes=5)


def _serializer(ctx: ServiceContext) -> URLSafeTimedSerializer:
    clock = ctx.clock

    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock.now().timestamp())

    return URLSafeTimedSerializer(ctx.settings.secret_key, salt=_SALT, signer=ClockSigner)


def issue_link(ctx: ServiceContext, user: User, purpose: str, *, notice_id: str, attempt: SigninAttempt | None,
               device_key: str | None) -> str:
    """A signed token for one button; the database keeps the HMAC of its id, its purpose and its lifetime."""
    link_id = ctx.tokens.opaque(16)
    now = ctx.clock.now()
    ctx.session.add(NoticeLink(id_digest=ctx.tokens.digest(link_id, _ID_PURPOSE), notice_id=notice_id,
                               purpose=purpose, user_id=user.id, attempt_id=attempt.id if attempt else None,
                               device_key=device_key, created_at=now,
                               expires_at=now + detection_policy(ctx.settings).link_lifetime))
    return str(_serializer(ctx).dumps({"l": link_id, "p": purpose}))


def button_link(ctx: ServiceContext, user: User, purpose: str, *, notice_id: str | None = None,
                attempt: SigninAttempt | None = None) -> str:
    """The URL of one button: every email that tells the owner of a correct password (the notice, the step-up
    code, /secure-account) builds its "No, secure my account" link here. Buttons of one email share notice_id."""
    token = issue_link(ctx, user, purpose, notice_id=notice_id or uuid.uuid4().hex, attempt=attempt,
                       device_key=attempt.device_key if attempt is not None else None)
    return ctx.link("detection.notice_link", purpose=purpose, token=token)


def read_link(ctx: ServiceContext, token: object, purpose: str) -> NoticeLink:
    """The live link behind a token, or NoticeLinkInvalid / NoticeLinkExpired / NoticeLinkUsed."""
    if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN:
        raise NoticeLinkInvalid()
    max_age = int(detection_policy(ctx.settings).link_lifetime.total_seconds())
    try:
        payload = _serializer(ctx).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise NoticeLinkExpired() from exc
    except BadData as exc:
        raise NoticeLinkInvalid() from exc
    if not isinstance(payload, dict) or payload.get("p") != purpose or not isinstance(payload.get("l"), str):
        raise NoticeLinkInvalid()
    row = ctx.session.scalar(select(NoticeLink).where(
        NoticeLink.id_digest == ctx.tokens.digest(payload["l"], _ID_PURPOSE)))
    if row is None or row.purpose != purpose:
        raise NoticeLinkInvalid()
    if row.used_at is not None:
        raise NoticeLinkUsed()
    if row.expires_at <= ctx.clock.now():
        raise NoticeLinkExpired()
    return row


def consume(ctx: ServiceContext, row: NoticeLink, *, with_sibling: bool = False) -> None:
    """Use the link once (of two simultaneous clicks exactly one wins); optionally its email's other button."""
    now = ctx.clock.now()
    result = ctx.session.execute(update(NoticeLink).where(NoticeLink.id == row.id, NoticeLink.used_at.is_(None))
                                 .values(used_at=now).execution_options(synchronize_session=False))
    if rowcount(result) != 1:
        raise NoticeLinkUsed()
    if with_sibling:
        ctx.session.execute(update(NoticeLink).where(NoticeLink.notice_id == row.notice_id,
                                                     NoticeLink.used_at.is_(None))
                            .values(used_at=now).execution_options(synchronize_session=False))
    ctx.session.refresh(row)


def recently_notified(ctx: ServiceContext, user_id: int, device_key: str | None, now: datetime) -> bool:
    since = now - detection_policy(ctx.settings).notice_every
    query = select(SigninAttempt.id).where(SigninAttempt.user_id == user_id, SigninAttempt.created_at >= since,
                                           SigninAttempt.notified.is_(True))
    if device_key is not None:
        query = query.where(SigninAttempt.device_key == device_key)
    return ctx.session.scalar(query.limit(1)) is not None


def send_notice(ctx: ServiceContext, user: User, attempt: SigninAttempt, variant: str) -> bool:
    """Email every address about this attempt, unless this device was the subject of one in the last 15 minutes."""
    now = ctx.clock.now()
    if recently_notified(ctx, user.id, attempt.device_key, now):
        return False
    notice_id = uuid.uuid4().hex
    links = {purpose: button_link(ctx, user, purpose, notice_id=notice_id, attempt=attempt)
             for purpose in (CONFIRM, SECURE)}
    notify_security(ctx, user, TEMPLATE, variant=variant, device=attempt.device_label,
                    place=PlaceName(attempt.city, attempt.country),
                    ip=attempt.ip, occurred_at=attempt.created_at, reasons=list(attempt.reasons or []),
                    confirm_link=links[CONFIRM], secure_link=links[SECURE],
                    link_days=ctx.settings.detection_link_days)
    attempt.notified = True
    return True


# --- a wrong second factor: decided later ------------------------------------------------------------------------

def second_factor_failed(ctx: ServiceContext, user: User, attempt: SigninAttempt) -> None:
    """A wrong second factor after a correct password (the attempt is flushed): queue the check for later."""
    queue_task(ctx, SECOND_FACTOR_TASK, not_before=attempt.created_at + SECOND_FACTOR_GRACE, user_id=user.id,
               attempt_id=attempt.id)


def settled_by_owner(ctx: ServiceContext, attempt: SigninAttempt) -> bool:
    """A device the account already knew signed in within the grace after the failure: the owner mistyped."""
    if attempt.device_key is None or attempt.user_id is None:
        return False
    known = ctx.session.scalar(select(KnownDevice.id).where(
        KnownDevice.user_id == attempt.user_id, KnownDevice.device_key == attempt.device_key,
        KnownDevice.first_seen_at < attempt.created_at))
    succeeded = ctx.session.scalar(select(SigninAttempt.id).where(
        SigninAttempt.user_id == attempt.user_id, SigninAttempt.device_key == attempt.device_key,
        SigninAttempt.outcome == "success", SigninAttempt.created_at >= attempt.created_at,
        SigninAttempt.created_at <= attempt.created_at + SECOND_FACTOR_GRACE).limit(1))
    return known is not None and succeeded is not None


def recently_told_of_second_factor(ctx: ServiceContext, attempt: SigninAttempt) -> bool:
    """The account was emailed about a wrong second factor in the notice period before this one."""
    since = attempt.created_at - detection_policy(ctx.settings).notice_every
    return ctx.session.scalar(select(SigninAttempt.id).where(
        SigninAttempt.user_id == attempt.user_id, SigninAttempt.stage == "second_factor",
        SigninAttempt.outcome == "failure", SigninAttempt.notified.is_(True),
        SigninAttempt.created_at >= since, SigninAttempt.id != attempt.id).limit(1)) is not None


def check_second_factor_failure(ctx: ServiceContext, user: User, attempt: SigninAttempt) -> bool:
    """The worker's half, once the grace has passed: email the owner unless it means nothing; True if sent."""
    if settled_by_owner(ctx, attempt) or recently_told_of_second_factor(ctx, attempt):
        return False
    return send_notice(ctx, user, attempt, "second_factor_failed")
