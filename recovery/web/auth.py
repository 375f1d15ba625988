"""Who is asking: the session behind the browser cookie or the API Bearer token, and the guards views use.

Browser pages authenticate only by cookie and API endpoints only by `Authorization: Bearer`, so a
cross-site request can never carry API authority and the CSRF check covers every cookie-authenticated write.
"""

from __future__ import annotations

from functools import wraps

from flask import Flask, flash, g, redirect, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from recovery.accounts.models import User
from recovery.errors import AuthenticationRequired, PermissionDenied, ReauthRequired
from recovery.mfa.errors import MfaEnrollmentRequired, MfaSessionRequired
from recovery.mfa.service import staff_factor_missing
from recovery.sessions import service as sessions
from recovery.sessions.models import UserSession
from recovery.web.context import runtime, service_context
from recovery.web.cookies import SESSION, clear_cookie, read_cookie, set_cookie


def set_session_cookie(response: Response, token: str) -> None:
    set_cookie(response, SESSION, token)


def clear_session_cookie(response: Response) -> None:
    clear_cookie(response, SESSION)


def _presented_token() -> tuple[str | None, str]:
    if request.path.startswith("/api/"):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        return (token.strip() or None, "api") if scheme.lower() == "bearer" else (None, "api")
    return read_cookie(SESSION), "browser"


def load_identity() -> None:
    g.current_session = None
    g.current_user = None
    token, kind = _presented_token()
    if not token or len(token) > 128:
        return
    # The locale is chosen later, once the user (and their language) is known.
    ctx = service_context(locale="en")
    found = sessions.authenticate(ctx, token)  # the session and its account, in one statement
    if found is None:
        return
    session, user = found
    if session.kind != kind or not user.is_active:
        return
    g.current_session, g.current_user = session, user


def current_user() -> User | None:
    return g.get("current_user")


def current_session() -> UserSession | None:
    return g.get("current_session")


def signed_in_user() -> User:
    """The user of a view behind login_required, role_required or reauth_required, which turned anonymous away."""
    user = current_user()
    if user is None:  # only a view without one of those guards gets here
        raise AuthenticationRequired()
    return user


def signed_in_session() -> UserSession:
    """The session of a view behind login_required, role_required or reauth_required (see signed_in_user)."""
    session = current_session()
    if session is None:
        raise AuthenticationRequired()
    return session


def _deny_anonymous():
    if request.path.startswith("/api/"):
        raise AuthenticationRequired()
    return redirect(url_for("signin.password", next=request.full_path.rstrip("?")))


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user() is None:
            return _deny_anonymous()
        return view(*args, **kwargs)

    return wrapper


# The mark of the staff guard on a view: the roles it lets through ("own" for a view where everyone signed in
# reads their own data and staff read everyone's). tests/web/test_staff_guard.py walks the URL map and fails on a
# /staff page or a staff /api/v1 endpoint without it.
STAFF_GUARD = "staff_guard"


def role_required(*roles: str):
    """Only these roles (and admin, who holds every role) may pass; everyone else gets 403. Staff then pass the
    staff guard (staff_guard): every staff page and staff API endpoint is behind it."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                return _deny_anonymous()
            if user.role != "admin" and user.role not in roles:
                raise PermissionDenied()
            return staff_guard(user) or view(*args, **kwargs)

        setattr(wrapper, STAFF_GUARD, roles)
        return wrapper

    return decorate


def own_or_staff_required(view):
    """Everyone signed in reads their own data here, and staff read everyone's: a staff member passes the staff
    guard first, exactly as on a staff-only endpoint (an agent without MFA must not search everyone's events)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        user = current_user()
        if user is None:
            return _deny_anonymous()
        return staff_guard(user) or view(*args, **kwargs)

    setattr(wrapper, STAFF_GUARD, ("own",))
    return wrapper


def staff_guard(user: User):
    """The one staff guard: staff need an enrolled second factor and a session that passed it (setting
    staff_require_mfa; a passkey, and a session that passed with one, under staff_require_phishing_resistant).
    None lets the request through; anyone who is not staff passes.

    Not enrolled: to enrollment (API: 403 mfa_enrollment_required). Enrolled, but this session began without
    the second factor (say, before enrolling): sign in again (API: 403 mfa_session_required).
    """
    settings = runtime().settings
    if not (user.is_staff and (settings.staff_require_mfa or settings.staff_require_phishing_resistant)):
        return None
    if staff_factor_missing(service_context(), user):
        if request.path.startswith("/api/"):
            raise MfaEnrollmentRequired()
        flash(gettext(MfaEnrollmentRequired.message), "error")
        return redirect(url_for("security_passkeys.new" if settings.staff_require_phishing_resistant
                                else "mfa.setup"))
    if not signed_in_session().mfa_passed:
        if request.path.startswith("/api/"):
            raise MfaSessionRequired()
        flash(gettext(MfaSessionRequired.message), "error")
        return redirect(url_for("signin.password", next=request.full_path.rstrip("?")))
    return None


def reauth_required(view):
    """Sensitive changes need a password entered in the last few minutes (RECOVERY reauth_minutes)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        session = current_session()
        if session is None:
            return _deny_anonymous()
        if not sessions.is_recently_authenticated(service_context(), session):
            if request.path.startswith("/api/"):
                raise ReauthRequired()
            return redirect(url_for("accounts.reauthenticate", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def init_auth(app: Flask) -> None:
    app.before_request(load_identity)
    app.jinja_env.globals.update(current_user=current_user)
