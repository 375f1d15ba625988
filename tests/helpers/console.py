"""Browser tests of the staff consoles: a staff member signed in (past the second factor) in a browser context by
the session cookie a real sign-in sets, and the sideways-scroll measure at a given width."""

from __future__ import annotations

from http.cookies import SimpleCookie

from flask import Response

from helpers.database import unit_of_work
from helpers.people import add_user
from recovery.sessions.service import start_session
from recovery.web.auth import set_session_cookie


def staff_member(app, email: str, role: str, *, locale: str = "en") -> int:
    """A staff account (TOTP enrolled, as staff pages require) and its id."""
    return add_user(app, email, role=role, locale=locale).id


def sign_in_context(context, app, base_url: str, user_id: int) -> None:
    """Give a browser context the cookie of a browser session that passed the second factor."""
    with unit_of_work(app) as ctx:
        token = start_session(ctx, user_id, kind="browser", mfa_passed=True)[1]
    with app.test_request_context():
        response = Response()
        set_session_cookie(response, token)
    cookies = SimpleCookie(response.headers["Set-Cookie"])
    context.add_cookies([{"name": name, "value": morsel.value, "url": base_url} for name, morsel in cookies.items()])


def sideways_scroll(page, width: int, height: int = 800) -> int:
    """How far the page scrolls sideways at `width` px (0 when it fits)."""
    page.set_viewport_size({"width": width, "height": height})
    return max(0, page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
