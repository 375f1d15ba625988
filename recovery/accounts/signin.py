"""The password step of signing in: every attempt checked and scored by detection, one answer for failures.

Errors: SourceThrottled (429, detection), AuthenticationFailed (unknown email, wrong password, temporarily
locked, blocked as too risky: all the same answer after the same argon2 work), AccountNotActive and
EmailNotVerified (only after a correct password).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from recovery.accounts.models import User
from recovery.accounts.service import send_verification_code
from recovery.accounts.status import account_not_active
from recovery.context import ServiceContext
from recovery.db import release_if_unwritten
from recovery.errors import AuthenticationFailed, EmailNotVerified
from recovery.events.service import record_event

if TYPE_CHECKING:  # detection builds on accounts: imported inside the functions at run time
    from recovery.detection.service import ClientSignals, Decision, Observation


@dataclass(frozen=True)
class PasswordSignIn:
    """A correct password: the account, what detection observed (device, network, place) and decided."""

    user: User
    observation: Observation
    decision: Decision  # allow, notify or step_up (a block raised)

    @property
    def has_second_factor(self) -> bool:
        """An active authenticator (read with the account's history): the sign-in asks for it next."""
        return self.decision.has_second_factor


def sign_in_with_password(ctx: ServiceContext, email: str, password: str,
                          signals: ClientSignals | None = None) -> PasswordSignIn:
    """The password step of a sign-in, every attempt recorded and scored by the detection capability.

    A throttled source gets SourceThrottled (429) before any hashing. Unknown email, wrong password and a
    temporarily locked account raise the same AuthenticationFailed after the same argon2 work (a locked
    account's failures do not count). Only a correct password learns more: AccountNotActive (why, and what
    next) or EmailNotVerified (a code is resent); a sign-in scored too risky raises AuthenticationFailed too.
    `signals` are the client's (recovery.detection.view_kit.client_signals()); by default the actor's IP and agent.
    """
    from recovery.detection import service as detection  # detection builds on accounts, not the other way

    signals = signals or detection.ClientSignals(ip=ctx.actor.ip, user_agent=ctx.actor.user_agent, kind="api")
    observation, user = detection.check_source_and_find_account(ctx, signals, email)
    user = _checked_password(ctx, user, email, password, observation)
    return PasswordSignIn(user, observation, detection.assess_signin(ctx, user, observation))


def authenticate_password(ctx: ServiceContext, email: str, password: str,
                          signals: ClientSignals | None = None) -> User:
    """The user behind this email and password (sign_in_with_password without the detection results)."""
    return sign_in_with_password(ctx, email, password, signals).user


def _checked_password(ctx: ServiceContext, user: User | None, email: str, password: str, observation) -> User:
    from recovery.detection import service as detection

    if len(password) > ctx.settings.password_max_length:  # refused before any hashing, known or not
        raise _signin_failed(ctx, user, "too_long", email, observation)
    if user is None:
        release_if_unwritten(ctx.session)
        ctx.passwords.verify_dummy(password)
        raise _signin_failed(ctx, None, "unknown_account", email, observation)
    locked = detection.is_locked(ctx, user)
    release_if_unwritten(ctx.session)  # no lock or connection held through argon2's ~20 ms
    if not ctx.passwords.verify(user.password_hash, password) or locked:
        raise _signin_failed(ctx, user, "locked" if locked else "wrong_password", email, observation,
                             locked=locked)
    _check_may_sign_in(ctx, user, email, observation)
    if ctx.passwords.needs_rehash(user.password_hash):
        user.password_hash = ctx.passwords.hash(password)
        record_event(ctx, "account.password.rehashed", user_id=user.id, actor=ctx.actor.as_user(user.id))
    return user


def _signin_failed(ctx: ServiceContext, user: User | None, reason: str, email: str, observation, *,
                   locked: bool = False) -> AuthenticationFailed:
    from recovery.detection import service as detection

    event = record_event(ctx, "account.signin.failed", user_id=user.id if user else None, reason=reason)
    kept = detection.record_failure(ctx, user, email, observation, reason=reason, locked=locked)
    return AuthenticationFailed(persist=[event, *kept])


def _check_may_sign_in(ctx: ServiceContext, user: User, email: str, observation) -> None:
    from recovery.detection import service as detection

    refused = user.status if not user.is_active else (
        "email_unverified" if ctx.settings.require_email_verification and not user.is_verified else None)
    if refused is None:
        return
    event = record_event(ctx, "account.signin.refused", user_id=user.id, reason=refused)
    # Recorded as a refusal, not a failure: a correct password never counts toward the lock.
    kept = [event, *detection.record_failure(ctx, user, email, observation, reason=refused, locked=True)]
    if refused == "email_unverified":
        raise EmailNotVerified(persist=[*kept, *send_verification_code(ctx, user)])
    raise account_not_active(ctx, user, persist=kept)
