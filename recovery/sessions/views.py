"""Browser actions on the user's own sessions: revoke one, or sign out everywhere else (listed on /security)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext

from recovery.sessions import service as sessions
from recovery.web.auth import clear_session_cookie, login_required, signed_in_session, signed_in_user
from recovery.web.context import service_context
from recovery.web.csrf import rotate_csrf

bp = Blueprint("sessions", __name__)


@bp.post("/security/sessions/<session_id>/revoke")
@login_required
def revoke(session_id: str):
    """End one of the user's sessions; another user's session id is simply not found (404)."""
    sessions.revoke_session(service_context(), signed_in_user().id, session_id)
    if session_id != signed_in_session().id:
        flash(gettext("That session is signed out."))
        return redirect(url_for("security.page"))
    rotate_csrf()
    flash(gettext("You have signed out."))
    response = redirect(url_for("signin.password"))
    clear_session_cookie(response)
    return response


@bp.post("/security/sessions/revoke-others")
@login_required
def revoke_others():
    sessions.revoke_all_sessions(service_context(), signed_in_user().id, reason="signed_out_elsewhere",
                                 keep=signed_in_session().id)
    flash(gettext("You are signed out everywhere else."), "success")
    return redirect(url_for("security.page"))
