"""Email verification codes: issue (8 digits, only an HMAC kept), check (recovery.codes: tries, expiry, single use).

```mermaid
stateDiagram-v2
    [*] --> pending: issue_code (emailed; a newer code supersedes it)
    pending --> used: check_code with the right code (one atomic conditional update)
    pending --> pending: a code tried (attempts + 1, committed before it is compared)
    pending --> dead: MAX_ATTEMPTS tries, verification_code_minutes pass, or a newer code is issued
```
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from recovery import codes
from recovery.accounts.models import EmailVerification, User
from recovery.codes import Codes, Redeemed
from recovery.context import ServiceContext
from recovery.errors import TokenInvalid
from recovery.events.service import record_event

MAX_ATTEMPTS = 5
# A correct password on an unverified account resends a code; a short pause keeps that from flooding a mailbox.
RESEND_PAUSE = timedelta(seconds=60)
_DIGITS = 8
# Binding the digest to the user, address and purpose keeps a code from being replayed anywhere else.
_DIGEST = "email-verification"
CODES = Codes(EmailVerification, max_tries=MAX_ATTEMPTS)


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
                            code_digest=codes.digest(ctx, code, _DIGEST, purpose, user.id, email),
                            expires_at=now + timedelta(minutes=ctx.settings.verification_code_minutes))
    ctx.session.add(row)
    return row, code


def check_code(ctx: ServiceContext, user: User, email: str, purpose: str, code: str) -> EmailVerification:
    """Consume the newest code for `email` if `code` is it (and return its row); any failure raises the same
    TokenInvalid.

    Every try is counted and committed before the code is compared (recovery.codes): a wrong guess stays
    counted although the request is rolled back, and the right code given with something else wrong (the
    creator's password) has spent its try too.
    """
    row = latest_code(ctx, user.id, email, purpose)
    redeemed = CODES.redeem(ctx, row, code, digits=_DIGITS, digest_column="code_digest", purpose=_DIGEST,
                            subject=(purpose, user.id, email))
    if redeemed is Redeemed.DEAD:
        raise TokenInvalid(persist=[_failure_event(ctx, user.id, purpose, "no_live_code")])
    if redeemed is Redeemed.WRONG:
        raise TokenInvalid(persist=[_failure_event(ctx, user.id, purpose, "wrong_code")])
    if redeemed is Redeemed.TAKEN:  # another request used it first
        raise TokenInvalid()
    assert row is not None  # redeemed: USED
    return row


def _failure_event(ctx: ServiceContext, user_id: int | None, purpose: str, reason: str):
    kind = "email" if purpose == "primary" else "contact"
    return record_event(ctx, f"account.{kind}.verification_failed", user_id=user_id, reason=reason)
