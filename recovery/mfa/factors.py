"""Checking and spending a second factor: a TOTP code (once per time step, per account), a recovery code (once)
or a passkey's assertion (its ceremony used once, by the passkeys capability).

Codes are spent by one conditional UPDATE, so of two simultaneous submissions of one code exactly one passes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol, cast

from sqlalchemy import Table, bindparam, select, update

from recovery import crypto
from recovery.accounts.models import User
from recovery.accounts.notify import notify_security
from recovery.context import ServiceContext
from recovery.db import rowcount
from recovery.errors import ServiceUnavailable
from recovery.events.service import SecurityEvent, record_event
from recovery.mfa import recovery_codes, totp
from recovery.mfa.models import ACTIVE, PENDING, TotpAuthenticator
from recovery.passkeys import service as passkeys
from recovery.passkeys.errors import PasskeyFlowInvalid, PasskeyInvalid
from recovery.passkeys.service import Assertion

log = logging.getLogger(__name__)
TOTP, RECOVERY_CODE, PASSKEY = "totp", "recovery_code", "passkey"
# What a second factor is offered as: a typed code, or a passkey's answer to a ceremony.
Proof = str | Assertion


class Sealed(Protocol):
    """What checking a TOTP code reads of an authenticator: a TotpAuthenticator, or the Factor read with a
    sign-in's challenge."""

    @property
    def id(self) -> int: ...

    @property
    def secret_ciphertext(self) -> str: ...

    @property
    def last_used_step(self) -> int: ...


@dataclass(frozen=True)
class Factor:
    """The active authenticator's columns a code is checked against, read with the challenge (no ORM entity)."""

    id: int
    secret_ciphertext: str
    last_used_step: int


def authenticator(ctx: ServiceContext, user_id: int, state: str = ACTIVE) -> TotpAuthenticator | None:
    """The user's active (or pending) authenticator; a pending one past its expiry counts as none."""
    row = ctx.session.scalar(select(TotpAuthenticator).where(TotpAuthenticator.user_id == user_id,
                                                             TotpAuthenticator.state == state))
    if row is not None and state == PENDING and row.expires_at is not None and row.expires_at <= ctx.clock.now():
        return None
    return row


def secret_of(ctx: ServiceContext, row: Sealed) -> str:
    try:
        return crypto.unseal(ctx.settings, row.secret_ciphertext)
    except crypto.InvalidToken:
        # A key was removed before `rotate-encryption-keys` ran: an operator's mistake, never the user's.
        log.error("TOTP secret %s cannot be decrypted with RECOVERY_ENCRYPTION_KEYS", row.id)
        raise ServiceUnavailable() from None


def spend_totp(ctx: ServiceContext, row: Sealed, code: str) -> int | None:
    """The time step `code` was accepted for, recorded atomically; None when wrong, replayed or too old."""
    step = totp.matching_step(secret_of(ctx, row), code, ctx.clock.now(), after=row.last_used_step)
    if step is None:
        return None
    result = ctx.session.execute(_SPEND, {"authenticator_id": row.id, "step": step})
    if rowcount(result) != 1:
        return None
    if isinstance(row, TotpAuthenticator):  # an entity the caller may read on: its step is the database's now
        ctx.session.expire(row, ["last_used_step"])
    return step


# Built once: the time step is spent by one conditional UPDATE, of two submissions of one code exactly one passes.
# A Core UPDATE of the table: the ORM's bulk-update path cost it 0.14 ms of CPU more (an entity, when one was
# read, is expired above).
_TOTP = cast(Table, TotpAuthenticator.__table__)
_SPEND = (update(_TOTP).where(_TOTP.c.id == bindparam("authenticator_id"), _TOTP.c.last_used_step < bindparam("step"))
          .values(last_used_step=bindparam("step")))


def accept_code(ctx: ServiceContext, user: User, code: str) -> str | None:
    """Spend a TOTP or recovery code of the account; returns which kind passed, or None."""
    return accept_code_of(ctx, user, authenticator(ctx, user.id), code)


def accept_proof(ctx: ServiceContext, user: User, row: Sealed | None, proof: Proof,
                 kept: list) -> str | None:
    """A code (accept_code_of) or a passkey of this account: which kind passed, or None; what a refused passkey
    leaves to keep (its failure event, a cloned counter's event, the ceremony used up) goes into `kept`."""
    if not isinstance(proof, Assertion):
        return accept_code_of(ctx, user, row, proof)
    try:
        passkeys.verify_assertion(ctx, proof.flow, proof.credential, purpose=(passkeys.SECOND_FACTOR,
                                  passkeys.AUTHENTICATE), user=user, where=proof.where)
    except (PasskeyInvalid, PasskeyFlowInvalid) as error:
        kept.extend(error.persist)
        return None
    return PASSKEY


def accept_code_of(ctx: ServiceContext, user: User, row: Sealed | None, code: str) -> str | None:
    """accept_code with the user's active authenticator already read (None: MFA is off, no code passes)."""
    code = (code or "").strip()
    if row is None:
        return None
    if totp.looks_like_totp(code):
        return TOTP if spend_totp(ctx, row, code) is not None else None
    if not recovery_codes.use_code(ctx, user, code):
        return None
    left = recovery_codes.remaining(ctx, user.id)
    record_event(ctx, "mfa.recovery_code.used", user_id=user.id, actor=ctx.actor.as_user(user.id), remaining=left)
    notify_security(ctx, user, "mfa_recovery_code_used", remaining=left)
    return RECOVERY_CODE


def failure(ctx: ServiceContext, user: User, purpose: str) -> SecurityEvent:
    """The event of a wrong code outside sign-in (reset, enrollment, changes); counted by the budget."""
    return record_event(ctx, "mfa.code.failed", user_id=user.id, actor=ctx.actor.as_user(user.id), purpose=purpose)
