"""What the MFA pages and API (and signing in) share: the per-IP limit on codes, failed-code marking."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g

from recovery.accounts.service import WrongPassword
from recovery.mfa.errors import ChallengeEnded, SecondFactorInvalid
from recovery.web.ratelimit import limit

# Wrong codes per IP across accounts (the per-account budget is enforced by the service, any IP).
limit_codes = limit("mfa-ip")


def code_errors(view: Callable) -> Callable:
    """Mark wrong codes and passwords so the failure-only limits count them."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except (SecondFactorInvalid, ChallengeEnded, WrongPassword):
            g.auth_failed = True
            raise

    return wrapper
