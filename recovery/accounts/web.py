"""What the accounts and sessions pages and API share: rate limits, failed-attempt marking, messages, redirects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g
from flask_babel import gettext

from recovery.accounts.service import WrongPassword
from recovery.errors import AccountNotActive, AuthenticationFailed
from recovery.events.labels import label as label  # re-exported for accounts/views.py, which registers it
from recovery.web.auth import current_user
from recovery.web.context import runtime
from recovery.web.ratelimit import (
    auth_failed,
    count_signin_failure,
    email_key,
    limiter,
    network_key,
    signin_network_cost,
)


def _apply(view: Callable, *decorators) -> Callable:
    for decorate in decorators:
        view = decorate(view)
    return view


def limit_signin(view: Callable) -> Callable:
    """Sign-in failures, shared by the page and the API: per IP, per network prefix (/24, /64) and per account
    (the email's HMAC). Failures across every client are counted too, as a signal that is never a wall: no
    volume of failures on other accounts from other sources may refuse a correct password (docs/security.md)."""
    settings = lambda: runtime().settings  # noqa: E731 - read per request: tests build apps with other limits
    return _apply(
        _counting_failures(view),
        limiter.shared_limit(lambda: settings().signin_limits, "signin-ip", deduct_when=auth_failed,
                             methods=["POST"]),
        limiter.shared_limit(lambda: settings().signin_network_limits, "signin-network", key_func=network_key,
                             deduct_when=auth_failed, methods=["POST"], cost=signin_network_cost),
        limiter.shared_limit(lambda: settings().signin_limits, "signin-account", key_func=email_key,
                             deduct_when=auth_failed, methods=["POST"]),
    )


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

    def decorate(view: Callable) -> Callable:
        limits = lambda: runtime().settings.signup_limits  # noqa: E731
        return _apply(
            view,
            limiter.shared_limit(limits, f"{scope}-ip", methods=["POST"]),
            limiter.shared_limit(limits, f"{scope}-account", key_func=email_key, methods=["POST"]),
        )

    return decorate


def _user_key() -> str:
    user = current_user()
    return f"user:{user.id}" if user else "user:anonymous"


def limit_password_confirmation(view: Callable) -> Callable:
    """Wrong passwords typed by a signed-in user (re-authentication, password change), per account."""
    return limiter.shared_limit(lambda: runtime().settings.signin_limits, "confirm-password", key_func=_user_key,
                                deduct_when=auth_failed, methods=["POST"])(view)


def limit_password_change(view: Callable) -> Callable:
    """Every password change posted, accepted or refused, per account: each costs two argon2 hashes and an estimate,
    and a signed-in session must not be a way to spend them without end (wrong current passwords also count in
    `limit_password_confirmation`)."""
    return limiter.shared_limit(lambda: runtime().settings.password_change_limits, "password-change",
                                key_func=_user_key, methods=["POST"])(view)


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

    def decorate(view: Callable) -> Callable:
        return limiter.shared_limit(lambda: runtime().settings.signup_limits, scope, key_func=_user_key,
                                    methods=["POST"])(view)

    return decorate
