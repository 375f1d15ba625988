"""The account's budget of second-factor codes, whatever the IP and the path (sign-in, reset, changes).

Every code is counted as an attempt *before* it is checked, under a lock on the account, and the count is
committed at once: parallel requests each see the others' attempts, so no concurrency buys an extra guess
(checking first and counting the failure after the request rolled back let 16 parallel codes check 12 against
a budget of 5). A code that passes stops counting (`mark_passed`); a request that dies after its claim keeps it
counted. Refused attempts are recorded as events but never counted, so they never extend the wait.

    attempt = claim_attempt(ctx, user, purpose=...)   # TooManyAttempts when a window is full; commits
    ... check the code ...                            # wrong: the failure event, as before
    mark_passed(ctx, attempt)                         # right: in the request's own transaction
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import cast

from limits import parse_many
from sqlalchemy import Table, bindparam, delete, insert, select, text, update

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.db import Row, rowcount
from recovery.errors import TooManyAttempts
from recovery.events.service import record_event
from recovery.mfa.models import MfaAttempt

_LOCK_NAMESPACE = 0x6D6661  # "mfa": the first key of PostgreSQL's two-key advisory lock, the account id the second


@functools.lru_cache(maxsize=8)
def _windows(spec: str) -> tuple[tuple[int, timedelta], ...]:
    """'5 per 5 minutes; 20 per hour' -> ((5, 5 min), (20, 1 h)); parsed once per distinct setting."""
    return tuple((item.amount, timedelta(seconds=item.get_expiry())) for item in parse_many(spec))


def attempts_since(ctx: ServiceContext) -> datetime:
    """The start of the limits' longest window: older attempts count for nothing."""
    return ctx.clock.now() - max(window for _, window in _windows(ctx.settings.mfa_failure_limits))


def claim_attempt(ctx: ServiceContext, user: User, *, purpose: str,
                  also: Callable[[], None] | None = None) -> int:
    """Count one code for the account before it is checked and commit the request's transaction with it;
    returns the attempt's id for mark_passed.

    Raises TooManyAttempts (with the wait) when any window of RECOVERY_MFA_FAILURE_LIMITS is full. `also` runs
    under the same lock before the count is written, for a narrower budget of the caller's (a challenge's own
    tries, counted by a conditional UPDATE); it raises to refuse. Call it before the request writes anything
    it may need to undo: the commit keeps what the request did so far (the paths that check codes have only read).
    """
    _lock_account(ctx, user.id)
    wait = _wait(ctx, user.id)
    if wait is not None:
        event = record_event(ctx, "mfa.code.throttled", user_id=user.id, purpose=purpose)
        raise TooManyAttempts(wait, persist=[event])
    if also is not None:
        also()
    attempt_id = ctx.session.execute(_CLAIM, {"user_id": user.id, "purpose": purpose[:16],
                                              "created_at": ctx.clock.now()}).scalar_one()
    ctx.session.commit()  # counted before the check, whatever happens to the rest of the request
    return attempt_id


def mark_passed(ctx: ServiceContext, attempt_id: int) -> None:
    """The code of this attempt was right: it no longer counts against the budget (with the request's commit)."""
    ctx.session.execute(_PASSED, {"attempt_id": attempt_id, "passed_at": ctx.clock.now()})


def passed_row(ctx: ServiceContext, attempt_id: int) -> Row:
    """mark_passed as a row, for a flow that writes it with others in one statement (`db.write_together`)."""
    return Row(_ATTEMPTS, {"id": attempt_id, "passed_at": ctx.clock.now()}, match=("id",))


def _lock_account(ctx: ServiceContext, user_id: int) -> None:
    """One claim at a time per account until its commit. PostgreSQL: a transaction-scoped advisory lock (the
    count below then reads every claim committed before it); SQLite's BEGIN IMMEDIATE already serialises
    every transaction."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        ctx.session.execute(_LOCK, {"namespace": _LOCK_NAMESPACE, "user_id": user_id})


def _wait(ctx: ServiceContext, user_id: int) -> int | None:
    """Seconds until the fullest window lets a code through, or None when none is full."""
    limits = _windows(ctx.settings.mfa_failure_limits)
    now = ctx.clock.now()
    newest_first = list(ctx.session.scalars(_counted(max(amount for amount, _ in limits)), {
        "user_id": user_id, "since": attempts_since(ctx)}))
    wait = timedelta(0)
    for amount, window in limits:
        recent = [at for at in newest_first if at > now - window]
        if len(recent) >= amount:
            wait = max(wait, recent[amount - 1] + window - now)
    return max(1, math.ceil(wait.total_seconds())) if wait > timedelta(0) else None


# Built once (statements built per call were a sixth of the TOTP step's CPU).
_ATTEMPTS = cast(Table, MfaAttempt.__table__)
_LOCK = text("SELECT pg_advisory_xact_lock(:namespace, :user_id)")
_PASSED = (update(_ATTEMPTS).where(_ATTEMPTS.c.id == bindparam("attempt_id"))
           .values(passed_at=bindparam("passed_at")))
_CLAIM = insert(_ATTEMPTS).values(user_id=bindparam("user_id"), purpose=bindparam("purpose"),
                                  created_at=bindparam("created_at")).returning(_ATTEMPTS.c.id)


@functools.lru_cache(maxsize=8)
def _counted(limit: int):
    """The account's attempts still counted (not passed) since the longest window began, newest first."""
    return (select(_ATTEMPTS.c.created_at)
            .where(_ATTEMPTS.c.user_id == bindparam("user_id"), _ATTEMPTS.c.passed_at.is_(None),
                   _ATTEMPTS.c.created_at > bindparam("since"))
            .order_by(_ATTEMPTS.c.created_at.desc()).limit(limit))


def prune_attempts(ctx: ServiceContext) -> int:
    """Delete attempts older than the longest window (a periodic job); returns how many."""
    result = ctx.session.execute(delete(MfaAttempt).where(MfaAttempt.created_at <= attempts_since(ctx))
                                 .execution_options(synchronize_session=False))
    return rowcount(result)
