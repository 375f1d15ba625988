"""The sign-in flow: a first factor, detection's decision, then a second factor, an emailed code or the session.

Each function takes the request's ServiceContext and the client's signals and returns what the client is
told next; errors are the composed capabilities' own (see the package docstring).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.db import Row, write_together
from recovery.detection import service as detection
from recovery.detection.errors import StepUpEnded
from recovery.detection.service import ClientSignals
from recovery.mfa import service as mfa
from recovery.mfa.errors import ChallengeEnded, ChallengeInvalid, SecondFactorInvalid
from recovery.passkeys.service import Assertion
from recovery.sessions import service as sessions
from recovery.sessions.service import UserSession
from recovery.signin.passkey import Passkey, check_passkey, where
from recovery.signin.password import FirstFactor, check_password


@dataclass(frozen=True)
class Password:
    """An email and password."""

    email: str
    password: str


# The first factors sign_in accepts (first_factor dispatches on the type); a passkey counts as both factors.
Credentials = Password | Passkey


@dataclass(frozen=True)
class SignedIn:
    """The server-side session has started: `token` goes to the client once (a cookie or a Bearer token)."""

    user: User
    session: UserSession
    token: str


@dataclass(frozen=True)
class SecondFactorDue:
    """The password was right and the account has a second factor: `token` stands for the pending step."""

    user: User
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class StepUpDue:
    """The password was right, the account has no second factor and detection asks for more: a code is
    emailed to the account, `token` stands for the pending step."""

    user: User
    token: str


Outcome = SignedIn | SecondFactorDue | StepUpDue


def sign_in(ctx: ServiceContext, credentials: Credentials, signals: ClientSignals, *, kind: str,
            replaces: UserSession | None = None) -> Outcome:
    """A first factor, then what the account and detection's decision ask for. `kind` is "browser" or "api";
    `replaces` is the browser's current session, revoked when a new one starts (ids rotate)."""
    first = first_factor(ctx, credentials, signals)
    user, decision = first.user, first.decision
    if first.both_factors:  # a passkey: two factors and phishing-resistant, so nothing more to step up to
        rows = detection.complete_signin(ctx, user, first.observation, stage="passkey", decision=decision)
        return _signed_in(ctx, user, rows, kind=kind, replaces=replaces, mfa_passed=True)
    if decision.has_second_factor:  # the flag or an active authenticator; it also answers a risky sign-in
        detection.keep_decision(ctx, decision)
        challenge = mfa.start_challenge(ctx, user, kind=kind)
        return SecondFactorDue(user, challenge.token, challenge.expires_at)
    if decision.needs_step_up:
        detection.keep_decision(ctx, decision)
        return StepUpDue(user, detection.start_step_up(ctx, user, kind=kind, attempt=decision.attempt))
    rows = detection.complete_signin(ctx, user, first.observation, stage="password", decision=decision)
    return _signed_in(ctx, user, rows, kind=kind, replaces=replaces, mfa_passed=False)


def first_factor(ctx: ServiceContext, credentials: Credentials, signals: ClientSignals) -> FirstFactor:
    """The account behind the credentials, checked, recorded and scored."""
    if isinstance(credentials, Passkey):
        return check_passkey(ctx, credentials, signals)
    return check_password(ctx, credentials.email, credentials.password, signals)


def finish_second_factor(ctx: ServiceContext, token: str | None, code: str | Passkey, signals: ClientSignals, *,
                         kind: str, replaces: UserSession | None = None) -> SignedIn:
    """The pending second factor with a TOTP or recovery code, or a passkey. A wrong one after a correct password
    is recorded by detection (and emails the owner, once per device per 15 minutes); a passed one completes the
    sign-in there (device remembered, the owner told when it was unusual) and starts the session. A passkey
    after a password from an unfamiliar place is not stepped up again: it is the phishing-resistant answer."""
    observation = detection.observe(ctx, signals)
    pending = mfa.find_challenge(ctx, token, kind=kind, locking=True)  # the account's code budget locked with it
    owner = pending.user if pending is not None else None
    proof = Assertion(code.flow, code.credential, where(observation)) if isinstance(code, Passkey) else code
    try:
        passed = mfa.complete_challenge(ctx, token, proof, kind=kind, found=pending)
    except (SecondFactorInvalid, ChallengeEnded) as error:
        if owner is not None:
            error.persist.extend(detection.record_failure(ctx, owner, owner.email, observation, reason="wrong_code",
                                                          stage="second_factor"))
        raise
    user = passed.user
    rows = detection.complete_signin(ctx, user, observation, stage="second_factor")
    # The challenge is used up by the same statement that starts the session, which only its winner writes; the
    # request's one commit keeps it with the code's count (the account's lock is held until then).
    return _signed_in(ctx, user, [*passed.rows, *rows], kind=kind, replaces=replaces,
                      mfa_passed=mfa.passes_staff_requirement(ctx, user, passed.method), guard=passed.consume)


def finish_step_up(ctx: ServiceContext, token: str | None, code: str, signals: ClientSignals, *, kind: str,
                   replaces: UserSession | None = None) -> SignedIn:
    """The pending emailed code: the sign-in completes (judged again for device and place) and starts."""
    user = detection.complete_step_up(ctx, token, code, kind=kind)
    if mfa.has_second_factor(ctx, user):  # a factor enrolled since the code was sent: it is what is asked now
        raise StepUpEnded()
    rows = detection.complete_signin(ctx, user, detection.observe(ctx, signals), stage="step_up")
    return _signed_in(ctx, user, rows, kind=kind, replaces=replaces, mfa_passed=False)


def has_pending_step_up(ctx: ServiceContext, token: str | None, *, kind: str) -> bool:
    return detection.find_step_up(ctx, token, kind=kind) is not None


def _signed_in(ctx: ServiceContext, user: User, rows: list[Row], *, kind: str, replaces: UserSession | None,
               mfa_passed: bool, guard: Row | None = None) -> SignedIn:
    """The session starts, written with detection's rows of the sign-in (its attempt, decision and device) in
    one statement where the database allows it: each owner built its rows, the flow writes them together.
    `guard`: a pending step's challenge used up; nothing is written, and ChallengeInvalid raised, when another
    request used it first."""
    session, token, session_rows = sessions.new_session(ctx, user.id, kind=kind, mfa_passed=mfa_passed,
                                                        replaces=replaces)
    if not write_together(ctx.session, [*rows, *session_rows], guard=guard):
        raise ChallengeInvalid()
    return SignedIn(user, session, token)
