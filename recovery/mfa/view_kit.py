"""What the MFA pages and API share: the challenge cookie, the per-IP limit on codes, failed-code marking."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g, redirect, url_for
from werkzeug.wrappers import Response

from recovery.accounts.models import User
from recovery.accounts.service import WrongPassword
from recovery.mfa import service as mfa
from recovery.mfa.errors import ChallengeEnded, SecondFactorInvalid
from recovery.web.context import service_context
from recovery.web.cookies import MFA_CHALLENGE, clear_cookie, read_cookie, set_cookie
from recovery.web.ratelimit import limit


def challenge_token() -> str | None:
    """The browser's pending sign-in token (password given, second factor due), if its cookie is intact."""
    return read_cookie(MFA_CHALLENGE)


def begin_second_step(user: User, next_url: str | None) -> Response:
    """After a correct password for an account with MFA: a challenge (not a session) and the code page."""
    token = mfa.start_challenge(service_context(), user, kind="browser").token
    response = redirect(url_for("mfa.second_factor", next=next_url or None))
    set_cookie(response, MFA_CHALLENGE, token)
    return response


def clear_challenge_cookie(response: Response) -> None:
    clear_cookie(response, MFA_CHALLENGE)


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
