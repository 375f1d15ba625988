"""The password as a first factor: every attempt checked and scored by detection, one answer for failures.

Errors: SourceThrottled (429, detection), AuthenticationFailed (unknown email, wrong password, temporarily
locked, blocked as too risky: all the same answer after the same argon2 work), AccountNotActive and
EmailNotVerified (only after a correct password).
"""

from __future__ import annotations

from dataclasses import dataclass

from recovery.accounts.models import User
from recovery.accounts.service import send_verification_code
from recovery.accounts.status import account_not_active
from recovery.context import ServiceContext
from recovery.db import release_if_unwritten
from recovery.detection import service as detection
from recovery.detection.service import ClientSignals, Decision, Observation
from recovery.errors import AuthenticationFailed, EmailNotVerified
from recovery.events.service import record_event


@dataclass(frozen=True)
class FirstFactor:
    """A correct first factor: the account, what detection observed (device, network, place) and decided."""

    user: User
    observation: Observation
    decision: Decision  # allow, notify or step_up (a block raised)
    both_factors: bool = False  # a passkey that verified its user: no second factor is asked after it


def check_password(ctx: ServiceContext, email: str, password: str, signals: ClientSignals) -> FirstFactor:
    """The password step, every attempt recorded and scored by detection.

    A throttled source gets SourceThrottled (429) before any hashing. Unknown email, wrong password and a
    temporarily locked account raise the same AuthenticationFailed after the same argon2 work (a locked
    account's failures do not count). Only a correct password learns more: AccountNotActive (why, and what
    next) or EmailNotVerified (a code is resent); a sign-in scored too risky raises AuthenticationFailed too.
    """
    # The account and its lock are read alone (no transaction, no ORM load: a detached User), as is the device.
    observation, user = detection.check_source_and_find_account(ctx, signals, email)
    # Asked for every address alike (an unknown one too), so a locked account does no work an unknown one does not.
    familiar = detection.is_familiar_device(ctx, email, signals.device_id)
    user = _checked(ctx, user, email, password, observation, familiar=familiar)
    return FirstFactor(user, observation, detection.assess_signin(ctx, user, observation))


def _checked(ctx: ServiceContext, user: User | None, email: str, password: str, observation: Observation, *,
             familiar: bool) -> User:
    if len(password) > ctx.settings.password_max_length:  # refused before any hashing, known or not
        raise _failed(ctx, user, "too_long", email, observation)
    if user is None:
        release_if_unwritten(ctx.session)
        ctx.passwords.verify_dummy(password)
        raise _failed(ctx, None, "unknown_account", email, observation)
    # A temporary lock refuses every password, except from a browser this account has signed in from: anyone
    # elsewhere can set the lock off, and it must not keep the owner out (docs/security.md, "Targeted lockout").
    locked = detection.is_locked(ctx, user) and not familiar
    release_if_unwritten(ctx.session)  # no lock or connection held through argon2's ~20 ms
    if not ctx.passwords.verify(user.password_hash, password) or locked:
        raise _failed(ctx, user, "locked" if locked else "wrong_password", email, observation, locked=locked)
    check_may_sign_in(ctx, user, email, observation)
    if ctx.passwords.needs_rehash(user.password_hash):
        user = ctx.session.merge(user, load=False)  # read alone, detached: the session's copy flushes the change
        user.password_hash = ctx.passwords.hash(password)
        record_event(ctx, "account.password.rehashed", user_id=user.id, actor=ctx.actor.as_user(user.id))
    return user


def _failed(ctx: ServiceContext, user: User | None, reason: str, email: str, observation: Observation, *,
            locked: bool = False) -> AuthenticationFailed:
    event = record_event(ctx, "account.signin.failed", user_id=user.id if user else None, reason=reason)
    kept = detection.record_failure(ctx, user, email, observation, reason=reason, locked=locked)
    return AuthenticationFailed(persist=[event, *kept])


def check_may_sign_in(ctx: ServiceContext, user: User, email: str, observation: Observation) -> None:
    """After a correct first factor: AccountNotActive or EmailNotVerified (a code resent) when it may not."""
    refused = user.status if not user.is_active else (
        "email_unverified" if ctx.settings.require_email_verification and not user.is_verified else None)
    if refused is None:
        return
    event = record_event(ctx, "account.signin.refused", user_id=user.id, reason=refused)
    # Recorded as a refusal, not a failure: a correct password never counts toward the lock.
    kept = [event, *detection.record_failure(ctx, user, email, observation, reason=refused, locked=True)]
    if refused == "email_unverified":
        raise EmailNotVerified(persist=[*kept, *send_verification_code(ctx, user)])
    raise account_not_active(ctx, user, persist=kept, next_step=detection.case_next_step(ctx, user))
