"""What the reset pages and API share: the per-IP limits, the reset cookie, the link-problem page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import make_response, render_template, request
from werkzeug.wrappers import Response

from recovery.passkeys.service import Assertion, Where
from recovery.reset.errors import ResetLinkMissing, ResetLinkProblem
from recovery.useragents import parse_user_agent
from recovery.web.cookies import RESET, clear_cookie, read_cookie, set_cookie
from recovery.web.errors import discard_and_persist, translate
from recovery.web.headers import mark_token_page
from recovery.web.ratelimit import limit

# One counter per IP for the page and the API alike (shared scope), only for POST.
limit_requests = limit("reset-request-ip")
limit_confirms = limit("reset-confirm-ip")


def passkey_answer(data: dict) -> Assertion | None:
    """The passkey a reset form or body offers as its second factor (flow and credential), if any."""
    if not data.get("flow") or not data.get("credential"):
        return None
    browser, os = parse_user_agent(request.headers.get("User-Agent", ""))
    return Assertion(data["flow"], data["credential"], Where.of(browser, os, None, None))


def cookie_token() -> str:
    """The token the emailed link left in this browser; ResetLinkMissing when the form is opened without it."""
    token = read_cookie(RESET)
    if not token:
        raise ResetLinkMissing()
    return token


def set_reset_cookie(response: Response, token: str) -> None:
    """Holds the token between the emailed link and the form, so the token leaves the address bar (and the
    language switcher's `next`, history and logs) after one redirect (cookies.RESET: scoped to /reset)."""
    set_cookie(response, RESET, token)


def clear_reset_cookie(response: Response) -> None:
    clear_cookie(response, RESET)


def shows_link_problems(view: Callable) -> Callable:
    """An unusable link gets its own page (expired, used, invalid ...) offering a new request."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except ResetLinkProblem as problem:
            discard_and_persist(problem)
            mark_token_page()
            response = make_response(render_template("reset/link_problem.html", kind=problem.kind,
                                                     message=translate(problem.message)), problem.status)
            clear_reset_cookie(response)
            return response

    return wrapper
