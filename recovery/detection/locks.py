"""Brute force on one account: consecutive failures, the temporary lock that grows, the disabled password.

```mermaid
stateDiagram-v2
    [*] --> counting: a wrong password
    counting --> counting: another (failures + 1)
    counting --> locked: every 5th consecutive failure (1, 2, 4, 8, then 15 minutes)
    locked --> counting: the lock ends (refusals meanwhile do not count)
    counting --> disabled: the 100th consecutive failure (NIST 800-63B-4 3.2.2)
    counting --> [*]: a correct password, a reset, or 12 quiet hours
    locked --> [*]: a reset (the link in the lock email)
    disabled --> [*]: a reset
```

A locked account answers exactly like a wrong password (the caller does the same work and raises the same
error), so an attacker learns nothing, and the owner gets one email per lock with a reset link that lifts it.
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, delete, select

from recovery.accounts.models import User
from recovery.accounts.notify import notify_security
from recovery.alerts.service import raise_alert
from recovery.context import ServiceContext
from recovery.detection import rules
from recovery.detection.models import SigninLock
from recovery.detection.policy import detection_policy
from recovery.detection.resetlinks import issue_reset_link
from recovery.events.service import record_event

LOCK_TEMPLATE = "account_locked_temporarily"


_NO_LOCK_ROW = "detection.no_signin_lock"  # session.info: accounts seen without a lock row in this request


def find_account(ctx: ServiceContext, email: str) -> User | None:
    """The account behind a normalised email, with its lock row (if any) read by the same statement, so the
    sign-in's lock check before the password needs no query of its own."""
    row = ctx.session.execute(_account_with_lock(), {"email": email}).first()
    if row is None:
        return None
    user, lock = row
    if lock is None:
        ctx.session.info.setdefault(_NO_LOCK_ROW, set()).add(user.id)
    return user


@lru_cache(maxsize=1)
def _account_with_lock():
    return (select(User, SigninLock).outerjoin(SigninLock, SigninLock.user_id == User.id)
            .where(User.email == bindparam("email")))


def lock_state(ctx: ServiceContext, user_id: int) -> rules.LockState:
    row = ctx.session.get(SigninLock, user_id)
    if row is None:
        ctx.session.info.setdefault(_NO_LOCK_ROW, set()).add(user_id)
        return rules.LockState()
    return rules.LockState(failures=row.failures, locks=row.locks, locked_until=row.locked_until,
                           last_failure_at=row.last_failure_at, password_disabled_at=row.password_disabled_at)


def _save(ctx: ServiceContext, user_id: int, state: rules.LockState) -> None:
    ctx.session.info.get(_NO_LOCK_ROW, set()).discard(user_id)
    row = ctx.session.get(SigninLock, user_id)
    if row is None:
        row = SigninLock(user_id=user_id)
        ctx.session.add(row)
    row.failures, row.locks, row.locked_until = state.failures, state.locks, state.locked_until
    row.last_failure_at, row.password_disabled_at = state.last_failure_at, state.password_disabled_at


def is_locked(ctx: ServiceContext, user: User) -> bool:
    """A temporary lock in force, or a password disabled after too many failures.

    No query when this request has just found no lock row (find_account); a failure is still counted against
    a fresh read of the row (count_failure).
    """
    if user.id in ctx.session.info.get(_NO_LOCK_ROW, ()):
        return False
    return rules.is_locked(lock_state(ctx, user.id), ctx.clock.now())


def count_failure(ctx: ServiceContext, user: User) -> str | None:
    """One more consecutive failure (never called while locked); returns "locked", "disabled" or None."""
    now = ctx.clock.now()
    policy = detection_policy(ctx.settings)
    state, happened = rules.after_failure(lock_state(ctx, user.id), now, policy)
    _save(ctx, user.id, state)
    if happened is not None:
        _announce(ctx, user, state, happened, now)
    return happened


def _announce(ctx: ServiceContext, user: User, state: rules.LockState, happened: str, now: datetime) -> None:
    disabled = happened == "disabled"
    minutes = 0 if disabled else math.ceil((state.locked_until - now).total_seconds() / 60)  # type: ignore[operator]
    record_event(ctx, "detection.password.disabled" if disabled else "detection.lock.engaged", user_id=user.id,
                 failures=state.failures, locks=state.locks, minutes=minutes)
    notify_security(ctx, user, LOCK_TEMPLATE, minutes=minutes, disabled=disabled, failures=state.failures,
                    reset_link=issue_reset_link(ctx, user, "reset.open_link"),
                    reset_minutes=ctx.settings.reset_token_minutes)
    severity = "high" if disabled else ("medium" if state.locks >= 3 else "low")
    raise_alert(ctx, rule="brute_force", severity=severity, user_id=user.id,
                evidence={"failures": state.failures, "locks": state.locks, "disabled": disabled, "ip": ctx.actor.ip})


def reset_failures(ctx: ServiceContext, user: User) -> None:
    """A correct password (never accepted while locked): the count and the doubling start again.

    Skipped without a query when this request already found no row (the usual case): a failure counted by
    another request during this one's password check stays counted, as if it had come a moment later.
    """
    if user.id in ctx.session.info.get(_NO_LOCK_ROW, ()):
        return
    row = ctx.session.get(SigninLock, user.id)
    if row is not None and not rules.is_locked(lock_state(ctx, user.id), ctx.clock.now()):
        ctx.session.delete(row)


def lift_temporary_lock(ctx: ServiceContext, user: User) -> None:
    """After a password reset: the temporary lock, the disabled password and the count are gone.

    Status locks (staff, a stolen-account report) live on the user row and are not touched here.
    """
    state = lock_state(ctx, user.id)
    if state == rules.LockState():
        return
    ctx.session.execute(delete(SigninLock).where(SigninLock.user_id == user.id)
                        .execution_options(synchronize_session="fetch"))
    record_event(ctx, "detection.lock.lifted", user_id=user.id, failures=state.failures,
                 password_was_disabled=state.password_disabled_at is not None)
