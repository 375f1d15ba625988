"""JSON API of sessions: sign in for a Bearer token, list and revoke one's own sessions; staff do it for others."""

from __future__ import annotations

from flask import Blueprint

from recovery.accounts import service as accounts
from recovery.accounts.signin import sign_in_with_password
from recovery.accounts.status import end_sessions_by_staff, sessions_for_staff
from recovery.accounts.view_kit import account_errors, limit_signin
from recovery.detection import service as detection
from recovery.detection.schemas import StepUpRequiredOut
from recovery.detection.view_kit import client_signals
from recovery.mfa import service as mfa
from recovery.mfa.view_kit import code_errors, limit_codes
from recovery.sessions import service as sessions
from recovery.sessions.schemas import (
    MfaRequiredBody,
    MfaSignInBody,
    RevokedBody,
    SessionBody,
    SessionCreatedBody,
    SessionListBody,
    SignInBody,
)
from recovery.web.auth import current_session, login_required, role_required, signed_in_session, signed_in_user
from recovery.web.context import runtime, service_context
from recovery.web.forms import parse_json
from recovery.web.openapi import api_doc

bp = Blueprint("sessions_api", __name__, url_prefix="/api/v1")
TAGS = ("sessions",)


def _session_schema(**kwargs) -> SessionBody:
    current = current_session()
    return SessionBody(current_id=current.id if current else None,
                       idle_minutes=runtime().settings.session_idle_minutes, **kwargs)


def _session_list(listed: list) -> dict:
    return {"sessions": _session_schema(many=True).dump(listed)}


def _created(session, token: str) -> tuple[dict, int]:
    return {"session_token": token, "session": _session_schema().dump(session)}, 201


@bp.post("/sessions")
@api_doc("Sign in with email and password; answers a Bearer token for API calls, or (200) that a second "
         "factor (or, without one, an emailed code: step_up_required) is required", body=SignInBody,
         responses={201: SessionCreatedBody, 200: MfaRequiredBody, 202: StepUpRequiredOut},
         errors=(401, 403), auth=False, tags=TAGS)
@limit_signin
@account_errors
def create_session():
    data = parse_json(SignInBody())
    ctx = service_context()
    signin = sign_in_with_password(ctx, data["email"], data["password"], client_signals(password_step=True))
    user = signin.user
    if signin.has_second_factor:
        challenge = mfa.start_challenge(ctx, user, kind="api")
        return MfaRequiredBody().dump({"mfa_required": True, "mfa_token": challenge.token,
                                       "expires_at": challenge.expires_at})
    if signin.decision.needs_step_up:  # no second factor to ask for: a code emailed to the account
        token = detection.start_step_up(ctx, user, kind="api", attempt=signin.decision.attempt)
        return StepUpRequiredOut().dump({"step_up_required": True, "step_up_token": token,
                                         "method": "email_code"}), 202
    detection.complete_signin(ctx, user, signin.observation, stage="password", decision=signin.decision)
    return _created(*sessions.start_session(ctx, user.id, kind="api"))


@bp.post("/sessions/mfa")
@api_doc("Complete a sign-in with the mfa_token and a TOTP or recovery code; answers a Bearer token",
         body=MfaSignInBody, responses={201: SessionCreatedBody}, errors=(401,), auth=False, tags=TAGS)
@limit_codes
@code_errors
def complete_mfa():
    data = parse_json(MfaSignInBody())
    ctx = service_context()
    user, _method = mfa.complete_signin_challenge(ctx, data["mfa_token"], data["code"], kind="api",
                                                  observation=detection.observe(ctx, client_signals()))
    return _created(*sessions.start_session(ctx, user.id, kind="api", mfa_passed=True))


@bp.get("/sessions")
@api_doc("The caller's active sessions (browser and API)", responses={200: SessionListBody}, tags=TAGS)
@login_required
def list_sessions():
    return _session_list(sessions.list_active_sessions(service_context(), signed_in_user().id))


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


@bp.get("/accounts/<int:user_id>/sessions")
@api_doc("Staff: an account's active sessions (a staff account's: admin only)", responses={200: SessionListBody},
         tags=TAGS)
@role_required("agent", "security")
def staff_list(user_id: int):
    ctx = service_context()
    return _session_list(sessions_for_staff(ctx, accounts.get_user(ctx, user_id)))


@bp.delete("/accounts/<int:user_id>/sessions")
@api_doc("Staff: end every session of an account (a staff account's: admin only)", responses={200: RevokedBody},
         tags=TAGS)
@role_required("agent", "security")
def staff_revoke(user_id: int):
    ctx = service_context()
    user = accounts.get_user(ctx, user_id)
    return RevokedBody().dump({"revoked": end_sessions_by_staff(ctx, user, reason="staff_revoked")})
