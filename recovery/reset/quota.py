"""The per-address cap on reset requests: over it nothing is sent, and the answer does not change.

A 429 keyed on the address would tell an enumerator that the address is being targeted by someone (or
not), so the per-address limit is silent; only the per-IP limit answers 429 (flask-limiter on the views).

A request counts against the address only once its queued task is committed: a request that failed (the
database was down: 503) must not use up the person's quota, or the requests they make once it is back
would be answered 202 and send nothing for up to an hour. The cap is read before and counted after, so the
read and the count of one address are one step under a lock held until the request ends (issue 15 item 8:
24 concurrent requests for case variants of one address from 24 IPs queued 18 tasks against a cap of 5).
The lock is this process's: with several processes (Redis) racing requests can still pass the cap by at most
one per process.
"""

from __future__ import annotations

import hashlib
import threading

from flask import after_this_request
from limits import RateLimitItem, parse
from sqlalchemy import event
from sqlalchemy.orm import Session

from recovery.context import ServiceContext
from recovery.reset.service import queue_reset_request
from recovery.settings import Settings
from recovery.web.context import runtime
from recovery.web.limit_table import LIMITS
from recovery.web.ratelimit import LimitsUnavailable, limiter, refuse_if_unchecked

_CAP = LIMITS["password-reset-email"]  # its amount (reset policy), key (the address's HMAC), fail-closed
_SCOPE = _CAP.stored_as
# Striped: a bounded number of locks whatever the number of addresses; two addresses rarely share one.
_LOCKS = tuple(threading.Lock() for _ in range(64))
_LOCK_WAIT_SECONDS = 10.0


def request_within_quota(ctx: ServiceContext, email: str) -> None:
    """Queue the reset request unless the address is over its cap; it counts once the request commits.

    LimitsUnavailable (503) when the cap cannot be read: the quota is fail-closed, like the per-IP limit."""
    settings = runtime().settings
    if not settings.ratelimits_enabled:
        queue_reset_request(ctx, email)
        return
    item, key = parse(_CAP.amount(settings)), _CAP.key()
    _hold_until_the_request_ends(key)
    under_cap = limiter.limiter.test(item, settings.ratelimit_key_prefix, key, _SCOPE)
    refuse_if_unchecked()
    if not under_cap:
        return
    _count_when_committed(ctx.session, settings, item, key)  # before: the insert may commit by itself
    queue_reset_request(ctx, email)


def _hold_until_the_request_ends(key: str) -> None:
    """Requests for one address read and count the cap one at a time: the lock is released once the response
    is built, after the commit that counts (or the failure that does not)."""
    lock = _LOCKS[int.from_bytes(hashlib.blake2b(key.encode(), digest_size=2).digest(), "big") % len(_LOCKS)]
    if not lock.acquire(timeout=_LOCK_WAIT_SECONDS):
        raise LimitsUnavailable()

    @after_this_request
    def release(response):
        lock.release()
        return response


def _count_when_committed(session: Session, settings: Settings, item: RateLimitItem, key: str) -> None:
    # The limiter's guarded strategy swallows a storage error here: the request has succeeded, and an
    # unreachable counter must not turn it into an error after its commit.
    def count(_session: Session) -> None:
        limiter.limiter.hit(item, settings.ratelimit_key_prefix, key, _SCOPE)

    event.listen(session, "after_commit", count, once=True)
