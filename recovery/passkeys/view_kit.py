"""What the pages and API that use passkeys share (signin, security, reset): their rate limits and the marking
of refused answers for the failure-only limits."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g

from recovery.passkeys.errors import PasskeyFlowInvalid, PasskeyInvalid
from recovery.web.ratelimit import limit

# A new ceremony (options) per IP: each is a row until it is used or expires.
limit_options = limit("passkey-options-ip")
# Passkey sign-ins that failed, per IP (a signature cannot be guessed: this bounds the work, not guesses).
limit_passkey_signin = limit("passkey-signin-ip")
# Adding, renaming and removing passkeys, per signed-in account.
limit_changes = limit("passkey-change")


def passkey_errors(view: Callable) -> Callable:
    """Mark a refused passkey so the failure-only limits count it."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except (PasskeyInvalid, PasskeyFlowInvalid):
            g.auth_failed = True
            raise

    return wrapper
