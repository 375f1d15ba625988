"""Email verification codes: issue (8 digits, stored only as an HMAC), check (expiry, attempts, single use).

```mermaid
stateDiagram-v2
    [*] --> pending: issue_code (emailed; a newer code supersedes it)
    pending --> used: check_code with the right code (one atomic conditional update)
    pending --> dead: MAX_ATTEMPTS wrong codes, verification_code_minutes pass, or a newer code is issued
```
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from recovery.accounts.models import EmailVerification, User
from recovery.context import ServiceContext
from recovery.db import rowcount
from recovery.errors import TokenInvalid
from recovery.events.service import record_event

MAX_ATTEMPTS = 5
# A correct password on an unverified account resends a code; a short pause keeps that from flooding a mailbox.
RESEND_PAUSE = timedelta(seconds=60)
_DIGITS = 8


def _digest_purpose(user_id: int, email: str, purpose: str) -> str:
    # Binding the digest to the user, address and purpose keeps a code from being replayed anywhere else.
    return f"email-verification|{purpose}|{user_id}|{email}"


def latest_code(ctx: ServiceContext, user_id: int, email: str, purpose: str) -> EmailVerification | None:
    """Only the newest code for an address counts: issuing a new one silently retires the older ones."""
    query = (select(EmailVerification)
             .where(EmailVerification.user_id == user_id, EmailVerification.email == email,
                    EmailVerification.purpose == purpose)
             .order_by(EmailVerification.id.desc()).limit(1))
    return ctx.session.scalar(query)


def issue_code(ctx: ServiceContext, user: User, email: str, purpose: str
               ) -> tuple[EmailVerification, str] | None:
    """A fresh code for `email` (the row and the code to send), or None when one was sent moments ago."""
    now = ctx.clock.now()
    latest = latest_code(ctx, user.id, email, purpose)
    if latest is not None and latest.used_at is None and now - latest.created_at < RESEND_PAUSE:
        return None
    code = ctx.tokens.numeric_code(_DIGITS)
    row = EmailVerification(user_id=user.id, email=email, purpose=purpose, attempts=0, created_at=now,
                            code_digest=ctx.tokens.digest(code, _digest_purpose(user.id, email, purpose)),
                            expires_at=now + timedelta(minutes=ctx.settings.verification_code_minutes))
    ctx.session.add(row)
    return row, code


def _well_formed(code: str) -> bool:
    return len(code) == _DIGITS and code.isascii() and code.isdigit()


def check_code(ctx: ServiceContext, user: User, email: str, purpose: str, code: str) -> EmailVerification:
    """Consume the newest code for `email` if `code` is it (and return its row); any failure raises the same
    TokenInvalid.

    A wrong guess is counted even though the request is rolled back: the error carries the increment.
    """
    now = ctx.clock.now()
    row = latest_code(ctx, user.id, email, purpose)
    if row is None or row.used_at is not None or now >= row.expires_at or row.attempts >= MAX_ATTEMPTS:
        raise TokenInvalid(persist=[_failure_event(ctx, user.id, purpose, "no_live_code")])
    code = "".join(code.split())
    if not _well_formed(code) or not ctx.tokens.matches(code, _digest_purpose(user.id, email, purpose),
                                                        row.code_digest):
        raise TokenInvalid(persist=[count_attempt(row.id), _failure_event(ctx, user.id, purpose, "wrong_code")])
    claimed = rowcount(ctx.session.execute(
        update(EmailVerification).where(EmailVerification.id == row.id, EmailVerification.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)))
    if claimed != 1:  # another request used it first
        raise TokenInvalid()
    row.used_at = now
    return row


def count_attempt(row_id: int):
    """The wrong-code counter must survive the rollback of the failed request, so it runs after it."""

    def increment(session) -> None:
        session.execute(update(EmailVerification).where(EmailVerification.id == row_id)
                        .values(attempts=EmailVerification.attempts + 1))

    return increment


def _failure_event(ctx: ServiceContext, user_id: int | None, purpose: str, reason: str):
    kind = "email" if purpose == "primary" else "contact"
    return record_event(ctx, f"account.{kind}.verification_failed", user_id=user_id, reason=reason)
