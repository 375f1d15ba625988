"""The account's budget of wrong second-factor codes, whatever the IP and the path (sign-in, reset, changes).

Counted from the security events every failure records (one log, shared by every host), so an attacker who
spreads guesses over many addresses still gets at most RECOVERY_MFA_FAILURE_LIMITS tries per account.
Refused attempts are recorded but not counted, so they never extend the wait.
"""

from __future__ import annotations

import functools
import math
from datetime import datetime, timedelta

from limits import parse_many
from sqlalchemy import bindparam, func, select

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.errors import TooManyAttempts
from recovery.events.models import SecurityEvent
from recovery.events.service import record_event

FAILURE_EVENTS = ("mfa.challenge.failed", "mfa.code.failed")


@functools.lru_cache(maxsize=8)
def _windows(spec: str) -> tuple[tuple[int, timedelta], ...]:
    """'5 per 5 minutes; 20 per hour' -> ((5, 5 min), (20, 1 h)); parsed once per distinct setting."""
    return tuple((item.amount, timedelta(seconds=item.get_expiry())) for item in parse_many(spec))


def recent_failures(user_id):
    """A correlated scalar subquery: how many wrong codes `user_id` (a column of the outer query) has since the
    bound parameter `failures_since` (failures_since(): the limits' longest window). The budget refuses codes
    once a window is full, so the count stays near the largest limit (only wrong codes racing each other in
    parallel requests add to it), a few rows of the (user, time) index."""
    return (select(func.count()).select_from(SecurityEvent)
            .where(SecurityEvent.user_id == user_id, SecurityEvent.type.in_(FAILURE_EVENTS),
                   SecurityEvent.created_at > bindparam("failures_since")).scalar_subquery())


def failures_since(ctx: ServiceContext) -> datetime:
    """The start of the limits' longest window: what the full check and the count read with a challenge cover."""
    return ctx.clock.now() - max(window for _, window in _windows(ctx.settings.mfa_failure_limits))


def check_budget(ctx: ServiceContext, user: User, *, purpose: str, counted: int | None = None) -> None:
    """Raise TooManyAttempts (with the wait) when any window of the account's limits is full.

    `counted` is recent_failures() when the caller read it already: below the smallest limit no window (each
    within the longest) can be full, so the events need not be read again.
    """
    limits = _windows(ctx.settings.mfa_failure_limits)
    if counted is not None and counted < min(amount for amount, _ in limits):
        return
    now = ctx.clock.now()
    newest_first = list(ctx.session.scalars(
        select(SecurityEvent.created_at)
        .where(SecurityEvent.user_id == user.id, SecurityEvent.type.in_(FAILURE_EVENTS),
               SecurityEvent.created_at > failures_since(ctx))
        .order_by(SecurityEvent.created_at.desc()).limit(max(amount for amount, _ in limits))))
    wait = timedelta(0)
    for amount, window in limits:
        recent = [at for at in newest_first if at > now - window]
        if len(recent) >= amount:
            wait = max(wait, recent[amount - 1] + window - now)
    if wait > timedelta(0):
        event = record_event(ctx, "mfa.code.throttled", user_id=user.id, purpose=purpose)
        raise TooManyAttempts(math.ceil(wait.total_seconds()), persist=[event])
