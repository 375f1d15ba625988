"""The per-address cap on reset requests: over it nothing is sent, and the answer does not change.

A 429 keyed on the address would tell an enumerator that the address is being targeted by someone (or
not), so the per-address limit is silent; only the per-IP limit answers 429 (flask-limiter on the views).
"""

from __future__ import annotations

from limits import parse

from recovery.reset.policy import reset_policy
from recovery.web.context import runtime
from recovery.web.ratelimit import email_key, limiter, refuse_if_unchecked

_SCOPE = "password-reset-email"


def within_email_quota() -> bool:
    """Count this request against the address it names (its HMAC is the key); False once over the cap, and
    LimitsUnavailable (503) when the count cannot be kept (the quota is fail-closed, like the per-IP limit)."""
    settings = runtime().settings
    if not settings.ratelimits_enabled:
        return True
    item = parse(reset_policy(settings).per_email_limit)
    within = limiter.limiter.hit(item, settings.ratelimit_key_prefix, email_key(), _SCOPE)
    refuse_if_unchecked()
    return within
