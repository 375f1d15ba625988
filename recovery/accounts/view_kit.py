"""What the accounts and sessions pages and API share: rate limits, failed-attempt marking, messages, redirects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g
from flask_babel import gettext

from recovery.accounts.service import WrongPassword
from recovery.errors import AccountNotActive, AuthenticationFailed
from recovery.web.ratelimit import count_signin_failure, limit


def limit_signin(view: Callable) -> Callable:
    """Sign-in failures, shared by the page and the API: per IP, per network prefix (/24, /64) and per account
    (the email's HMAC). Failures across every client are counted too, as a signal that is never a wall: no
    volume of failures on other accounts from other sources may refuse a correct password (docs/security.md)."""
    return limit("signin-ip", "signin-network", "signin-account")(_counting_failures(view))


def _counting_failures(view: Callable) -> Callable:
    """Count each failed sign-in in the global signal (recovery.web.ratelimit.signin_under_attack)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        finally:
            if g.get("auth_failed"):
                count_signin_failure()

    return wrapper


def limit_signup(scope: str) -> Callable[[Callable], Callable]:
    """Every attempt counts (sign-up, verification, resending codes): per IP and per address."""
    return limit(f"{scope}-ip", f"{scope}-account")


# Wrong passwords typed by a signed-in user (re-authentication, password change), per account.
limit_password_confirmation = limit("confirm-password")
# Every password change posted, accepted or refused, per account: each costs two argon2 hashes and an estimate,
# and a signed-in session must not be a way to spend them without end (wrong current passwords also count in
# `limit_password_confirmation`).
limit_password_change = limit("password-change")


def account_errors(view: Callable) -> Callable:
    """Mark wrong credentials for the failure-only limits and translate the next-step hint of a blocked account."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except (AuthenticationFailed, WrongPassword):
            g.auth_failed = True
            raise
        except AccountNotActive as error:
            step = error.extra.get("next")
            if isinstance(step, dict) and (text := step.get("message")):
                step["message"] = gettext(text)
            raise

    return wrapper


def limit_per_user(scope: str) -> Callable[[Callable], Callable]:
    """Every POST counts, per signed-in account: actions that send mail or check a code (contact addresses)."""
    return limit(scope)
