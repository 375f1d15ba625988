"""The per-address cap on reset requests: over it nothing is sent, and the answer does not change.

A 429 keyed on the address would tell an enumerator that the address is being targeted by someone (or
not), so the per-address limit is silent; only the per-IP limit answers 429 (flask-limiter on the views).

A request counts against the address only once its queued task is committed: a request that failed (the
database was down: 503) must not use up the person's quota, or the requests they make once it is back
would be answered 202 and send nothing for up to an hour. The cap is read before and counted after, so
requests for one address racing each other can pass it by at most their number (bounded by the per-IP limit).
"""

from __future__ import annotations

from limits import RateLimitItem, parse
from sqlalchemy import event
from sqlalchemy.orm import Session

from recovery.context import ServiceContext
from recovery.reset.policy import reset_policy
from recovery.reset.service import queue_reset_request
from recovery.settings import Settings
from recovery.web.context import runtime
from recovery.web.ratelimit import email_key, limiter, refuse_if_unchecked

_SCOPE = "password-reset-email"


def request_within_quota(ctx: ServiceContext, email: str) -> None:
    """Queue the reset request unless the address is over its cap; it counts once the request commits.

    LimitsUnavailable (503) when the cap cannot be read: the quota is fail-closed, like the per-IP limit."""
    settings = runtime().settings
    if not settings.ratelimits_enabled:
        queue_reset_request(ctx, email)
        return
    item, key = parse(reset_policy(settings).per_email_limit), email_key()
    under_cap = limiter.limiter.test(item, settings.ratelimit_key_prefix, key, _SCOPE)
    refuse_if_unchecked()
    if not under_cap:
        return
    _count_when_committed(ctx.session, settings, item, key)  # before: the insert may commit by itself
    queue_reset_request(ctx, email)


def _count_when_committed(session: Session, settings: Settings, item: RateLimitItem, key: str) -> None:
    # The limiter's guarded strategy swallows a storage error here: the request has succeeded, and an
    # unreachable counter must not turn it into an error after its commit.
    def count(_session: Session) -> None:
        limiter.limiter.hit(item, settings.ratelimit_key_prefix, key, _SCOPE)

    event.listen(session, "after_commit", count, once=True)
