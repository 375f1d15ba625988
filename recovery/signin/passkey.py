"""A passkey as the first factor (passwordless): a discoverable credential whose authenticator verified its user
counts as both factors; detection checks the source first and scores the sign-in like a password's.

Errors: SourceThrottled (429, detection); PasskeyFlowInvalid (ask for new options) and PasskeyInvalid (the
answer did not verify: recorded as a failed sign-in, and a counter gone back as a cloned authenticator);
AccountNotActive / EmailNotVerified as after a correct password.
"""

from __future__ import annotations

from dataclasses import dataclass

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.detection import service as detection
from recovery.detection.service import ClientSignals, Observation
from recovery.events.service import record_event
from recovery.mfa import service as mfa
from recovery.mfa.errors import ChallengeInvalid
from recovery.passkeys import service as passkeys
from recovery.passkeys.errors import PasskeyFlowInvalid, PasskeyInvalid
from recovery.passkeys.service import Ceremony, Where
from recovery.signin.password import FirstFactor, check_may_sign_in


@dataclass(frozen=True)
class Passkey:
    """A passkey's answer (AuthenticationResponseJSON) to the options of `flow`: a first factor that is both."""

    flow: str
    credential: dict


def where(observation: Observation) -> Where:
    """Where the client is, as a passkey's list shows it (made or last used)."""
    return Where.of(observation.browser, observation.os, observation.place.city, observation.place.country)


def check_passkey(ctx: ServiceContext, credentials: Passkey, signals: ClientSignals) -> FirstFactor:
    observation, _none = detection.check_source_and_find_account(ctx, signals, None)
    try:
        passkey = passkeys.verify_assertion(ctx, credentials.flow, credentials.credential,
                                            purpose=passkeys.AUTHENTICATE, where=where(observation))
    except (PasskeyInvalid, PasskeyFlowInvalid) as error:
        event = record_event(ctx, "account.signin.failed", user_id=None, reason="passkey")
        error.persist.extend([event, *detection.record_failure(ctx, None, None, observation, reason="passkey",
                                                               stage="passkey")])
        raise
    user = ctx.session.get(User, passkey.user_id)
    assert user is not None  # a passkey's account: the row cascades with it
    check_may_sign_in(ctx, user, user.email, observation)
    decision = detection.assess_signin(ctx, user, observation, stage="passkey")
    return FirstFactor(user, observation, decision, both_factors=True)


def second_factor_choices(ctx: ServiceContext, token: str | None, *, kind: str) -> tuple[bool, bool]:
    """What the pending second factor's account can answer with: (a code: an authenticator app and its recovery
    codes, a passkey). A passkey-only account is not asked for a 6-digit code it has no app for."""
    pending = mfa.find_challenge(ctx, token, kind=kind)
    if pending is None:
        return True, False
    return pending.authenticator is not None, passkeys.has_passkey(ctx, pending.user_id)


def second_factor_options(ctx: ServiceContext, token: str | None, *, kind: str) -> Ceremony:
    """Options for the pending second factor: the account's own passkeys, user presence enough."""
    pending = mfa.find_challenge(ctx, token, kind=kind)
    if pending is None:
        raise ChallengeInvalid()
    return passkeys.begin_authentication(ctx, purpose=passkeys.SECOND_FACTOR, user=pending.user)
