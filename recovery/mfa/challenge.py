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

Each code is counted before it is checked, against the account's budget and the challenge's own five tries
(mfa.budget.check_code: recovery.codes' conditional UPDATE, under the account's lock, which the read of the
challenge takes), and the count is committed before any answer: with a wrong code's at once, with a right
code's session in the same commit. Parallel codes on one challenge or one account check exactly the budget,
never more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, select

from recovery.accounts.models import User
from recovery.codes import Codes
from recovery.context import ServiceContext
from recovery.db import Row, rowcount
from recovery.events.service import new_event, record_event
from recovery.mfa.budget import Tries, account_lock, check_code, note_locked, passed_row
from recovery.mfa.errors import ChallengeEnded, ChallengeInvalid, SecondFactorInvalid
from recovery.mfa.factors import Factor, Proof, accept_proof
from recovery.mfa.models import ACTIVE, PENDING, MfaChallenge, TotpAuthenticator

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


@dataclass(frozen=True)
class Pending:
    """A live challenge, read with what completing it needs: its account (`user`, an entity of the session) and
    the account's active authenticator (`authenticator`, its columns; None without one)."""

    id: int
    user_id: int
    created_at: datetime
    expires_at: datetime
    user: User
    authenticator: Factor | None


def find_challenge(ctx: ServiceContext, token: str | None, *, kind: str, locking: bool = False) -> Pending | None:
    """The live challenge behind a token, read in one statement with its account and active authenticator.
    `locking`: a code is about to be checked, and the same statement takes the account's budget lock
    (mfa.budget.account_lock), held until the request commits or rolls back."""
    if not token or len(token) > 128:
        return None
    dialect = ctx.session.get_bind().dialect.name if locking else ""
    found = ctx.session.execute(_challenge_with_user_and_factor(dialect), {
        "digest": ctx.tokens.digest(token, _PURPOSE), "kind": kind}).first()
    if found is None:
        return None
    user, challenge_id, created_at, expires_at, factor_id, secret, last_step = found[:7]
    if len(found) > 7:
        note_locked(ctx.session, user.id)
    if expires_at <= ctx.clock.now():
        return None
    factor = Factor(factor_id, secret, last_step) if factor_id is not None else None
    return Pending(challenge_id, user.id, created_at, expires_at, user, factor)


@lru_cache(maxsize=4)
def _challenge_with_user_and_factor(locking_on: str):
    """The account (an entity) with the challenge's and the active authenticator's columns, and the budget's
    lock column when locking on that dialect. Columns rather than entities: hydrating the challenge and the
    authenticator, and the joined eager loads that tied them to the account, cost the step about 0.1 ms."""
    challenges, factors = cast(Table, MfaChallenge.__table__), cast(Table, TotpAuthenticator.__table__)
    columns: list[Any] = [User, challenges.c.id, challenges.c.created_at, challenges.c.expires_at, factors.c.id,
                          factors.c.secret_ciphertext, factors.c.last_used_step]
    lock = account_lock(locking_on, challenges.c.user_id) if locking_on else None
    return (select(*columns, *([lock] if lock is not None else []))
            .join(challenges, challenges.c.user_id == User.id)
            .outerjoin(factors, and_(factors.c.user_id == challenges.c.user_id, factors.c.state == ACTIVE))
            .where(challenges.c.token_digest == bindparam("digest"), challenges.c.kind == bindparam("kind")))


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
                       found: Pending | None = None) -> Passed:
    """The user, the kind of factor that passed, the rows that record it and the challenge's use (Passed). The
    caller starts the session with them in the request's transaction, whose one commit keeps the count with
    them, or raises ChallengeInvalid when the use matched nothing.

    `found` is find_challenge's row for this token when the caller already read it (one query fewer; read with
    `locking=True`, one more otherwise). A wrong code raises SecondFactorInvalid, or ChallengeEnded for the
    last of the challenge's tries, once its count is committed (mfa.budget.check_code).
    """
    row = found or find_challenge(ctx, token, kind=kind, locking=True)
    user = row.user if row is not None else None
    # A password changed since (a reset, say) voids what the old password began.
    if row is None or user is None or not user.is_active or user.password_changed_at > row.created_at:
        raise ChallengeInvalid()
    kept: list = []
    checked = check_code(ctx, user, lambda: accept_proof(ctx, user, row.authenticator, code, kept), purpose="signin",
                         tries=Tries(CODES, row.id, ChallengeEnded))
    method = checked.result
    if method is None:
        error = _failed(ctx, user, row, checked.tries)
        error.persist.extend(kept)
        raise error
    passed = new_event(ctx, "mfa.challenge.passed", user_id=user.id, actor=ctx.actor.as_user(user.id),
                       method=method, kind=kind)
    return Passed(user, method, [passed_row(ctx, checked.attempt_id), Row.of(passed)], CODES.consume_row(row.id))


def _failed(ctx: ServiceContext, user: User, row: Pending, failures: int) -> SecondFactorInvalid | ChallengeEnded:
    """The events of a wrong code (kept although the request rolls back; its try and attempt are committed
    already); the 5th one ends the challenge."""
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
