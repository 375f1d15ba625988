"""The account's budget of second-factor codes, whatever the IP and the path (sign-in, reset, changes).

Every code is counted as an attempt *before* it is checked, under a lock on the account that is held until the
request's one commit, and no answer about the code is given before the count is committed: parallel requests
each see the others' attempts, so no concurrency buys an extra guess (checking first and counting the failure
after the request rolled back let 16 parallel codes check 12 against a budget of 5). A code that passes stops
counting (`mark_passed`, `passed_row`). Refused attempts are recorded as events but never counted, so they never
extend the wait.

    checked = check_code(ctx, user, lambda: <compare the code>, purpose=...)  # TooManyAttempts when a window is full
    if checked.result is None:   # wrong: the count is already committed, whatever becomes of the request
        raise <the failure, its events in `persist`>
    mark_passed(ctx, checked.attempt_id)   # right: the count and the pass commit with the request's own writes

`check_code` is the one way a second factor is compared (the sign-in's challenge, reset, secure reset, factor
changes, enrollment, the emailed step-up code). Why one commit is enough, and what it never reveals before its
commit: docs/security.md, "Counted before checked".
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar, cast

from limits import parse_many
from sqlalchemy import Table, bindparam, delete, event, exists, func, insert, literal_column, select, text, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from recovery.accounts.models import User
from recovery.codes import Codes
from recovery.context import ServiceContext
from recovery.db import Row, rowcount
from recovery.errors import RecoveryError, TooManyAttempts
from recovery.events.service import record_event
from recovery.mfa.models import MfaAttempt

R = TypeVar("R")
_LOCK_NAMESPACE = 0x6D6661  # "mfa": the first key of PostgreSQL's two-key advisory lock, the account id the second
_LOCKED = "recovery_mfa_budget_locked"  # session.info: the accounts whose lock this transaction holds


@functools.lru_cache(maxsize=8)
def _windows(spec: str) -> tuple[tuple[int, timedelta], ...]:
    """'5 per 5 minutes; 20 per hour' -> ((5, 5 min), (20, 1 h)); parsed once per distinct setting."""
    return tuple((item.amount, timedelta(seconds=item.get_expiry())) for item in parse_many(spec))


def attempts_since(ctx: ServiceContext) -> datetime:
    """The start of the limits' longest window: older attempts count for nothing."""
    return ctx.clock.now() - max(window for _, window in _windows(ctx.settings.mfa_failure_limits))


@dataclass(frozen=True)
class Tries:
    """A narrower budget of the caller's, counted with the account's and under the same lock: one code's own tries
    (recovery.codes' conditional UPDATE of its row). `ended` is the error when none is left: the code is then
    neither counted nor checked."""

    codes: Codes
    row_id: int
    ended: Callable[[], RecoveryError]
    max_tries: int | None = None


@dataclass(frozen=True)
class Checked(Generic[R]):
    """A code counted, then checked. `result` None: it was wrong, and its count is committed. Otherwise what the
    check answered, in the request's open transaction, which still holds the account's lock: the caller marks
    the attempt passed (`mark_passed` or `passed_row`) and the request's commit keeps both."""

    attempt_id: int
    tries: int  # this code's number among the row's tries (`Tries`); 0 without
    result: R | None


def check_code(ctx: ServiceContext, user: User, check: Callable[[], R | None], *, purpose: str,
               tries: Tries | None = None) -> Checked[R]:
    """Count one code for the account, then `check` it (the comparison, and the code's use when it is right:
    None when wrong).

    Before the check, under the account's lock: TooManyAttempts (with the wait) when any window of
    RECOVERY_MFA_FAILURE_LIMITS is full; `tries.ended()` when the caller's row has no try left; otherwise the
    attempt (and the row's try) is written. Neither is committed yet: nothing about the code has been learnt.
    A wrong code commits the count at once, before the caller may answer or write anything. A check that raises
    leaves the count committed too (in a transaction of its own, the request's work rolled back), so no failure
    after the comparison can answer without it. A right code returns with the transaction open and the lock
    held: the request's single commit writes the count, the pass and what the right code does.

    Call it before the request writes anything it may need to undo: a wrong code commits what the request did
    so far (the paths that check codes have only read).
    """
    attempt_id, counted = _claim(ctx, user, purpose, tries)
    try:
        result = check()
    except Exception:
        _count_alone(ctx, user, purpose, tries)
        raise
    if result is None:
        ctx.session.commit()  # counted before anyone hears the code was wrong, whatever becomes of the request
    return Checked(attempt_id, counted, result)


def mark_passed(ctx: ServiceContext, attempt_id: int) -> None:
    """The code of this attempt was right: it no longer counts against the budget (with the request's commit)."""
    ctx.session.execute(_PASSED, {"attempt_id": attempt_id, "passed_at": ctx.clock.now()})


def passed_row(ctx: ServiceContext, attempt_id: int) -> Row:
    """mark_passed as a row, for a flow that writes it with others in one statement (`db.write_together`)."""
    return Row(_ATTEMPTS, {"id": attempt_id, "passed_at": ctx.clock.now()}, match=("id",))


def account_lock(dialect: str, user_id: Any) -> Any | None:
    """For a read that finds the account before its code is checked (the sign-in's challenge): the column that
    takes the account's lock in that same statement (PostgreSQL; None on SQLite, whose BEGIN IMMEDIATE already
    serialises every transaction). The reader calls `note_locked` for the row it got: check_code then sends no
    lock of its own. Read under it, the statements that follow see every claim committed before the lock."""
    if dialect != "postgresql":
        return None
    return func.pg_advisory_xact_lock(literal_column(str(_LOCK_NAMESPACE)), user_id).label("budget_lock")


def note_locked(session: Session, user_id: int) -> None:
    """A read with `account_lock` returned this account's row: its lock is held until the transaction ends."""
    session.info.setdefault(_LOCKED, set()).add(user_id)


@event.listens_for(Session, "after_transaction_end")
def _released(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_LOCKED, None)


def _claim(ctx: ServiceContext, user: User, purpose: str, tries: Tries | None) -> tuple[int, int]:
    """Lock, count, and write the attempt (and the row's try); (the attempt's id, the try's number)."""
    session = ctx.session
    limits = _windows(ctx.settings.mfa_failure_limits)
    newest = max(amount for amount, _ in limits)
    now = ctx.clock.now()
    counting = {"of_user": user.id, "since": attempts_since(ctx)}
    if session.get_bind().dialect.name == "postgresql":
        if user.id not in session.info.get(_LOCKED, ()):
            session.execute(_LOCK, {"namespace": _LOCK_NAMESPACE, "user_id": user.id})
            note_locked(session, user.id)
        # One statement: the count, the try and the attempt (which the count does not see). No parameter is
        # named after a column of the tables it writes: SQLAlchemy would make it a column the UPDATE sets.
        attempt_id, counted, times = session.execute(_claimed(newest, _try_of(tries)), {
            **counting, "attempt_purpose": purpose[:16], "attempt_at": now,
            **(_try_params(tries, now) if tries is not None else {})}).one()
        _refuse_if_full(ctx, user, purpose, limits, list(times or ()), now)
    else:  # SQLite: the same statements one by one, in the transaction its BEGIN IMMEDIATE holds
        _refuse_if_full(ctx, user, purpose, limits, list(session.scalars(_counted(newest), counting)), now)
        counted = session.execute(tries.codes.try_statement(), _try_params(tries, now)).scalar() \
            if tries is not None else 0
        attempt_id = session.execute(_CLAIM, {"user_id": user.id, "purpose": purpose[:16], "created_at": now}
                                     ).scalar_one() if counted is not None else None
    if tries is not None and counted is None:
        raise tries.ended()
    return attempt_id, counted or 0


def _count_alone(ctx: ServiceContext, user: User, purpose: str, tries: Tries | None) -> None:
    """The check raised: the request's work is rolled back (it may be half done) and the count written again
    and committed alone, before the error goes on. Counting needs no lock: it only ever takes a guess away."""
    session = ctx.session
    session.rollback()
    now = ctx.clock.now()
    if tries is not None:
        session.execute(tries.codes.try_statement(), _try_params(tries, now))
    session.execute(_CLAIM, {"user_id": user.id, "purpose": purpose[:16], "created_at": now})
    session.commit()


def _try_params(tries: Tries, now: datetime) -> dict[str, Any]:
    return {"row_id": tries.row_id, "now": now,
            "max_tries": tries.codes.max_tries if tries.max_tries is None else tries.max_tries}


def _refuse_if_full(ctx: ServiceContext, user: User, purpose: str, limits: tuple[tuple[int, timedelta], ...],
                    newest_first: list[datetime], now: datetime) -> None:
    """TooManyAttempts, with the seconds until the fullest window lets a code through, when any is full. The
    request's rollback takes back what the claim wrote; the refusal is kept as an event, never counted."""
    wait = timedelta(0)
    for amount, window in limits:
        recent = [at for at in newest_first if at > now - window]
        if len(recent) >= amount:
            wait = max(wait, recent[amount - 1] + window - now)
    if wait > timedelta(0):
        raise TooManyAttempts(max(1, math.ceil(wait.total_seconds())), persist=[
            record_event(ctx, "mfa.code.throttled", user_id=user.id, purpose=purpose)])


# Built once (statements built per call were a sixth of the TOTP step's CPU).
_ATTEMPTS = cast(Table, MfaAttempt.__table__)
_LOCK = text("SELECT pg_advisory_xact_lock(:namespace, :user_id)")
_PASSED = (update(_ATTEMPTS).where(_ATTEMPTS.c.id == bindparam("attempt_id"))
           .values(passed_at=bindparam("passed_at")))
_CLAIM = insert(_ATTEMPTS).values(user_id=bindparam("user_id"), purpose=bindparam("purpose"),
                                  created_at=bindparam("created_at")).returning(_ATTEMPTS.c.id)


def _try_of(tries: Tries | None) -> Any:
    return tries.codes.try_statement() if tries is not None else None


@functools.lru_cache(maxsize=8)
def _counted(limit: int):
    """The account's attempts still counted (not passed) since the longest window began, newest first."""
    return (select(_ATTEMPTS.c.created_at)
            .where(_ATTEMPTS.c.user_id == bindparam("of_user"), _ATTEMPTS.c.passed_at.is_(None),
                   _ATTEMPTS.c.created_at > bindparam("since"))
            .order_by(_ATTEMPTS.c.created_at.desc()).limit(limit))


@functools.lru_cache(maxsize=16)
def _claimed(limit: int, try_statement: Any):
    """PostgreSQL: `WITH tried AS (UPDATE <the row's tries> ... RETURNING), claimed AS (INSERT INTO mfa_attempts
    ... RETURNING id) SELECT claimed.id, tried.<tries>, array of the counted times`: the attempt is written only
    when the row had a try left. Data-modifying CTEs share the statement's snapshot, so the count is of the
    claims committed before the account's lock was taken, never this one."""
    columns = ["user_id", "purpose", "created_at"]
    values = [bindparam(name, type_=_ATTEMPTS.c[column].type)
              for name, column in zip(("of_user", "attempt_purpose", "attempt_at"), columns, strict=True)]
    if try_statement is None:
        claimed = insert(_ATTEMPTS).from_select(columns, select(*values))
        tried_number: Any = literal_column("0")
    else:
        tried = try_statement.cte("tried")
        claimed = insert(_ATTEMPTS).from_select(columns, select(*values).where(
            exists(select(literal_column("1")).select_from(tried))))
        tried_number = select(*tried.c).scalar_subquery()
    claimed_cte = claimed.returning(_ATTEMPTS.c.id).cte("claimed")
    counted = _counted(limit).subquery("counted")
    times = select(func.array_agg(aggregate_order_by(counted.c.created_at, counted.c.created_at.desc()))) \
        .scalar_subquery()
    return select(select(claimed_cte.c.id).scalar_subquery(), tried_number, times)


def prune_attempts(ctx: ServiceContext) -> int:
    """Delete attempts older than the longest window (a periodic job); returns how many."""
    result = ctx.session.execute(delete(MfaAttempt).where(MfaAttempt.created_at <= attempts_since(ctx))
                                 .execution_options(synchronize_session=False))
    return rowcount(result)
