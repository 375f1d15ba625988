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

An address no account has goes through the same states in its own row (AddressLock, keyed by the address's
HMAC): every wrong password reads one lock row for update and writes it back, and a lock that engages queues
one announcement task, for an account or not. The work of a refusal is then the same whether or not the
address exists, which is what keeps its timing equal (bench figure 4), with no padding.
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import lru_cache
from typing import cast

from sqlalchemy import Select, Table, bindparam, delete, select

from recovery.accounts.models import User
from recovery.accounts.notify import notify_security
from recovery.alerts.service import raise_alert
from recovery.context import ServiceContext
from recovery.db import upsert_insert
from recovery.detection import rules
from recovery.detection.models import AddressLock, SigninLock
from recovery.detection.policy import detection_policy
from recovery.detection.signals import account_key
from recovery.events.service import record_event
from recovery.outbox.tasks import queue_task
from recovery.reset.service import issue_link

LOCK_TEMPLATE = "account_locked_temporarily"
ANNOUNCE_TASK = "detection.lock.announce"


# session.info: {user id: the lock state read with the account (remember_lock_state), None for no row}
_SEEN = "detection.signin_lock_seen"


def remember_lock_state(ctx: ServiceContext, user_id: int, state: rules.LockState | None) -> None:
    """The lock state (None: no lock row) read with the account before the verify, for is_locked and
    reset_failures in this request (detection.queries.source_counts_and_account reads both in one statement)."""
    ctx.session.info.setdefault(_SEEN, {})[user_id] = state


def lock_state(ctx: ServiceContext, user_id: int) -> rules.LockState:
    row = ctx.session.get(SigninLock, user_id)
    return _state_of(row) if row is not None else rules.LockState()


def _state_of(row: SigninLock) -> rules.LockState:
    return rules.LockState(failures=row.failures, locks=row.locks, locked_until=row.locked_until,
                           last_failure_at=row.last_failure_at, password_disabled_at=row.password_disabled_at)


def is_locked(ctx: ServiceContext, user: User) -> bool:
    """A temporary lock in force, or a password disabled after too many failures.

    No query when this request has just read the account with its lock row (the password
    step's check_source_and_find_account): an unknown address makes no such query either. A failure is still
    counted against a fresh read of the row (count_failed_password).
    """
    seen = ctx.session.info.get(_SEEN, {})
    state = (seen[user.id] or rules.LockState()) if user.id in seen else lock_state(ctx, user.id)
    return rules.is_locked(state, ctx.clock.now())


def count_failed_password(ctx: ServiceContext, user_id: int | None, email: str) -> str | None:
    """A wrong password, or any password for an address no account has: one more consecutive failure against
    the account, or against the address, in the same two statements either way (the row read for update,
    then written back), so the answer costs the same whether or not the address exists. A failure while
    locked counts nothing but is written back all the same. Returns "locked", "disabled" or None.

    A lock that engages is announced by a worker task (event, email, alert), queued for an address without
    an account too, where the worker finds nobody to tell: the request's work stays the same.
    """
    now = ctx.clock.now()
    model, key = (SigninLock, user_id) if user_id is not None else (AddressLock, account_key(ctx, email))
    found = ctx.session.execute(_read_for_update(model), {"key": key}).first()
    state = rules.LockState(**found._mapping) if found is not None else rules.LockState()
    happened = None
    if not rules.is_locked(state, now):
        state, happened = rules.after_failure(state, now, detection_policy(ctx.settings))
    _write(ctx, model, key, state)
    if happened is not None:
        queue_task(ctx, ANNOUNCE_TASK, user_id=user_id, happened=happened,
                   failures=state.failures, locks=state.locks, at=now.isoformat(),
                   locked_until=state.locked_until.isoformat() if state.locked_until else None)
    return happened


_STATE_COLUMNS = ("failures", "locks", "locked_until", "last_failure_at", "password_disabled_at")


def _key_column(table: Table):
    return table.c.user_id if "user_id" in table.c else table.c.account_key


@lru_cache(maxsize=2)
def _read_for_update(model) -> Select:
    table = cast(Table, model.__table__)  # Core: the written row is never read back through the ORM here
    return (select(*(table.c[name] for name in _STATE_COLUMNS)).where(_key_column(table) == bindparam("key"))
            .with_for_update())


def _write(ctx: ServiceContext, model, key: object, state: rules.LockState) -> None:
    """Always the upsert, whether the row existed or not (a concurrent first failure may insert it too), so the
    statement is the same for every failure of every address."""
    values = {f"new_{name}": getattr(state, name) for name in _STATE_COLUMNS}
    ctx.session.execute(_upsert(ctx.session.get_bind().dialect.name, model), {"key": key, **values})


@lru_cache(maxsize=4)
def _upsert(dialect: str, model):
    table = cast(Table, model.__table__)
    statement = upsert_insert(dialect, table).values(
        {_key_column(table).name: bindparam("key"), **{name: bindparam(f"new_{name}") for name in _STATE_COLUMNS}})
    return statement.on_conflict_do_update(index_elements=[_key_column(table).name],
                                           set_={name: statement.excluded[name] for name in _STATE_COLUMNS})


def announce(ctx: ServiceContext, user: User, happened: str, *, failures: int, locks: int, at: datetime,
             locked_until: datetime | None) -> None:
    """What a lock engaging means for the owner (run by a worker, see tasks.py): the event, an email with a
    reset link that lifts it, and a brute-force alert for the security team."""
    disabled = happened == "disabled"
    minutes = 0 if disabled or locked_until is None else math.ceil((locked_until - at).total_seconds() / 60)
    record_event(ctx, "detection.password.disabled" if disabled else "detection.lock.engaged", user_id=user.id,
                 failures=failures, locks=locks, minutes=minutes)
    notify_security(ctx, user, LOCK_TEMPLATE, minutes=minutes, disabled=disabled, failures=failures,
                    reset_link=issue_link(ctx, user, "reset.open_link"),
                    reset_minutes=ctx.settings.reset_token_minutes)
    severity = "high" if disabled else ("medium" if locks >= 3 else "low")
    raise_alert(ctx, rule="brute_force", severity=severity, user_id=user.id,
                evidence={"failures": failures, "locks": locks, "disabled": disabled, "ip": ctx.actor.ip})


def reset_failures(ctx: ServiceContext, user: User) -> None:
    """A correct password (never accepted while locked): the count and the doubling start again.

    Skipped without a query when this request already found no row (the usual case): a failure counted by
    another request during this one's password check stays counted, as if it had come a moment later.
    """
    seen = ctx.session.info.get(_SEEN, {})
    if user.id in seen and seen[user.id] is None:
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
