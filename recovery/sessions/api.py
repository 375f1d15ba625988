"""JSON API of sessions: list and revoke one's own sessions (signing in is recovery.signin.api; staff's view of
an account's sessions is recovery.accounts.api)."""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint

from recovery.sessions import service as sessions
from recovery.sessions.schemas import RevokedBody, SessionBody, SessionListBody
from recovery.web.auth import current_session, login_required, signed_in_session, signed_in_user
from recovery.web.context import runtime, service_context
from recovery.web.openapi import api_doc

bp = Blueprint("sessions_api", __name__, url_prefix="/api/v1")
TAGS = ("sessions",)


def _session_schema(*, many: bool = False) -> SessionBody:
    current = current_session()
    return _built_schema(current.id if current else None, runtime().settings.session_idle_minutes, many)


@lru_cache(maxsize=32)
def _built_schema(current_id: str | None, idle_minutes: int, many: bool) -> SessionBody:
    """Built once per (current session, idle timeout): a sign-in's answer has no current session."""
    return SessionBody(current_id=current_id, idle_minutes=idle_minutes, many=many)


def session_list(listed: list) -> dict:
    return {"sessions": _session_schema(many=True).dump(listed)}


def session_created(session, token: str) -> tuple[dict, int]:
    """What a sign-in that started a session answers: the Bearer token (once) and the session."""
    return {"session_token": token, "session": _session_schema().dump(session)}, 201


@bp.get("/sessions")
@api_doc("The caller's active sessions (browser and API)", responses={200: SessionListBody}, tags=TAGS)
@login_required
def list_sessions():
    return session_list(sessions.list_active_sessions(service_context(), signed_in_user().id))


@bp.delete("/sessions/current")
@api_doc("Sign out: end the session of this token", responses={204: None}, tags=TAGS)
@login_required
def end_current():
    sessions.end_session(service_context(), signed_in_session())
    return "", 204


@bp.delete("/sessions/<session_id>")
@api_doc("End one of the caller's sessions (another account's session id is not found)",
         responses={204: None}, tags=TAGS)
@login_required
def revoke(session_id: str):
    sessions.revoke_session(service_context(), signed_in_user().id, session_id)
    return "", 204


@bp.delete("/sessions")
@api_doc("Sign out everywhere else: end every session but this one", responses={200: RevokedBody}, tags=TAGS)
@login_required
def revoke_others():
    revoked = sessions.revoke_all_sessions(service_context(), signed_in_user().id, reason="signed_out_elsewhere",
                                           keep=signed_in_session().id)
    return RevokedBody().dump({"revoked": revoked})
