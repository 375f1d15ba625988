"""The sign-in step after a correct password: a short-lived challenge, not a session, until a second factor passes.

```mermaid
stateDiagram-v2
    [*] --> waiting: start_challenge (password correct; token to the browser cookie or the API client)
    waiting --> passed: complete_challenge with a TOTP or recovery code, or a passkey (deleted; a session follows)
    waiting --> waiting: a code tried (failures + 1, counted before the check; a wrong one records an event)
    waiting --> dropped: the 5th wrong code, mfa_challenge_minutes passed, the password changed, MFA removed
    passed --> [*]
    dropped --> [*]: the password must be given again
```

Events kept for detection: mfa.challenge.started (a correct password), .failed (each wrong code), .dropped,
.passed. A password followed only by failures is what a stolen password looks like.

Each code is counted before it is checked, against the account's budget (mfa.budget.claim_attempt) and the
challenge's own five tries (recovery.codes' conditional UPDATE, under the same lock), and committed at once:
parallel codes on one challenge or one account check exactly the budget, never more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import joinedload

from recovery.accounts.models import User
from recovery.codes import Codes
from recovery.context import ServiceContext
from recovery.db import Row, rowcount
from recovery.events.service import new_event, record_event
from recovery.mfa.budget import claim_attempt, passed_row
from recovery.mfa.errors import ChallengeEnded, ChallengeInvalid, SecondFactorInvalid
from recovery.mfa.factors import Proof, accept_proof
from recovery.mfa.models import PENDING, MfaChallenge, TotpAuthenticator

MAX_FAILURES = 5
_PURPOSE = "mfa-challenge"
# The challenge's tries (recovery.codes): counted in `failures`; a passed challenge's row is deleted. Its codes
# are the account's second factor, compared by mfa.factors, so this table keeps no code digest of its own.
CODES = Codes(MfaChallenge, MAX_FAILURES, attempts="failures", used_at=None)


@dataclass(frozen=True)
class Challenge:
    token: str  # given to the client once; only its HMAC is stored
    expires_at: datetime


def start_challenge(ctx: ServiceContext, user: User, *, kind: str) -> Challenge:
    """After a correct password: the token that stands for "password given, second factor due"."""
    now = ctx.clock.now()
    ctx.session.execute(delete(MfaChallenge).where(MfaChallenge.user_id == user.id, MfaChallenge.expires_at <= now))
    token = ctx.tokens.opaque(32)
    expires_at = now + timedelta(minutes=ctx.settings.mfa_challenge_minutes)
    ctx.session.add(MfaChallenge(token_digest=ctx.tokens.digest(token, _PURPOSE), user_id=user.id, kind=kind,
                                 failures=0, created_at=now, expires_at=expires_at))
    record_event(ctx, "mfa.challenge.started", user_id=user.id, actor=ctx.actor.as_user(user.id), kind=kind)
    ctx.session.flush()
    return Challenge(token, expires_at)


def find_challenge(ctx: ServiceContext, token: str | None, *, kind: str) -> MfaChallenge | None:
    """The live challenge behind a token, read in one statement with what completing it needs: its user
    (row.user) and the active authenticator (row.authenticator)."""
    if not token or len(token) > 128:
        return None
    row = ctx.session.scalar(_challenge_with_user_and_factor(), {
        "digest": ctx.tokens.digest(token, _PURPOSE), "kind": kind})
    return row if row is not None and row.expires_at > ctx.clock.now() else None


@lru_cache(maxsize=1)
def _challenge_with_user_and_factor():
    return (select(MfaChallenge)
            .options(joinedload(MfaChallenge.user, innerjoin=True), joinedload(MfaChallenge.authenticator))
            .where(MfaChallenge.token_digest == bindparam("digest"), MfaChallenge.kind == bindparam("kind")))


@dataclass(frozen=True)
class Passed:
    """A second factor passed: the rows that record it (the budget's attempt marked passed, the event), which the
    caller writes with the session's, and `consume`, the challenge used up, the guard of that write
    (`db.write_together(..., guard=consume)`: False when another request completed the challenge first)."""

    user: User
    method: str
    rows: list[Row]
    consume: Row


def complete_challenge(ctx: ServiceContext, token: str | None, code: Proof, *, kind: str,
                       found: MfaChallenge | None = None) -> Passed:
    """The user, the kind of factor that passed, the rows that record it and the challenge's use (Passed). The
    caller starts the session with them, or raises ChallengeInvalid when the use matched nothing.

    `found` is find_challenge's row for this token when the caller already read it (one query fewer).
    """
    row = found or find_challenge(ctx, token, kind=kind)
    user = row.user if row is not None else None
    # A password changed since (a reset, say) voids what the old password began.
    if row is None or user is None or not user.is_active or user.password_changed_at > row.created_at:
        raise ChallengeInvalid()
    tries: list[int] = []
    attempt = claim_attempt(ctx, user, purpose="signin", also=lambda: tries.append(_count_try(ctx, row)))
    kept: list = []
    method = accept_proof(ctx, user, row.authenticator, code, kept)
    if method is None:
        error = _failed(ctx, user, row, tries[0])
        error.persist.extend(kept)
        raise error
    passed = new_event(ctx, "mfa.challenge.passed", user_id=user.id, actor=ctx.actor.as_user(user.id),
                       method=method, kind=kind)
    return Passed(user, method, [passed_row(ctx, attempt), Row.of(passed)], CODES.consume_row(row.id))


def _count_try(ctx: ServiceContext, row: MfaChallenge) -> int:
    """This code's number among the challenge's tries, counted by one conditional UPDATE before the check
    (recovery.codes; claim_attempt's commit carries it); ChallengeEnded when its tries are used up or it
    expired (another request's code may have been the last)."""
    counted = CODES.claim_try(ctx, row.id, commit=False)
    if counted is None:
        raise ChallengeEnded()
    return counted


def _failed(ctx: ServiceContext, user: User, row: MfaChallenge, failures: int) -> SecondFactorInvalid | ChallengeEnded:
    """The events of a wrong code (kept although the request rolls back; the try was counted before the
    check); the 5th one ends the challenge."""
    ended = failures >= MAX_FAILURES
    actor = ctx.actor.as_user(user.id)
    events = [record_event(ctx, "mfa.challenge.failed", user_id=user.id, actor=actor, failures=failures)]
    if ended:
        events.append(record_event(ctx, "mfa.challenge.dropped", user_id=user.id, actor=actor, failures=failures))
    error = ChallengeEnded if ended else SecondFactorInvalid
    return error(persist=[*events, CODES.drop_if_spent(row.id)])


def drop_challenges(ctx: ServiceContext, user_id: int) -> None:
    ctx.session.execute(delete(MfaChallenge).where(MfaChallenge.user_id == user_id)
                        .execution_options(synchronize_session=False))


def prune_expired(ctx: ServiceContext) -> int:
    """Delete challenges and pending enrollments past their expiry (a periodic job); returns how many."""
    now = ctx.clock.now()
    challenges = ctx.session.execute(delete(MfaChallenge).where(MfaChallenge.expires_at <= now)
                                     .execution_options(synchronize_session=False))
    pending = ctx.session.execute(delete(TotpAuthenticator).where(TotpAuthenticator.state == PENDING,
                                                                  TotpAuthenticator.expires_at <= now)
                                  .execution_options(synchronize_session=False))
    return rowcount(challenges) + rowcount(pending)
