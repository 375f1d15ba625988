"""JSON API of detection: the emailed-code step of a risky sign-in, a user's own sign-ins and devices, and
securing one's own account."""

from __future__ import annotations

from flask import Blueprint

from recovery.detection import service as detection
from recovery.detection.schemas import SecuredOut, SecurityOut, SessionTokenOut, StepUpBody
from recovery.detection.view_kit import client_signals
from recovery.sessions import service as sessions
from recovery.tickets.access import status_link
from recovery.web.auth import login_required, signed_in_user
from recovery.web.context import service_context
from recovery.web.forms import parse_json
from recovery.web.openapi import api_doc
from recovery.web.ratelimit import limit

bp = Blueprint("detection_api", __name__, url_prefix="/api/v1")


@bp.post("/sessions/step-up")
@api_doc("Finish a risky sign-in with the code emailed to the account (accounts without MFA)", body=StepUpBody,
         responses={201: SessionTokenOut}, auth=False, tags=("sessions",))
@limit("step-up-api-ip")
def step_up():
    data = parse_json(StepUpBody())
    ctx = service_context()
    user = detection.complete_step_up(ctx, data["step_up_token"], data["code"], kind="api")
    detection.complete_signin(ctx, user, detection.observe(ctx, client_signals()), stage="step_up")
    _session, token = sessions.start_session(ctx, user.id, kind="api")
    return SessionTokenOut().dump({"session_token": token}), 201


@bp.get("/security/signins")
@api_doc("The signed-in user's recent sign-in attempts and known devices", responses={200: SecurityOut},
         tags=("security",))
@login_required
def my_signins():
    return SecurityOut().dump(detection.security_view(service_context(), signed_in_user()))


@bp.delete("/security/devices/<int:device_id>")
@api_doc("Forget one of the signed-in user's known devices", responses={204: None},
         tags=("security",))
@login_required
def forget_device(device_id: int):
    detection.forget_device(service_context(), signed_in_user(), device_id)
    return "", 204


@bp.post("/secure-account")
@api_doc("Secure the signed-in account: lock it, end every session and reset link, open a P1 ticket",
         responses={201: SecuredOut}, tags=("security",))
@login_required
def secure_account():
    ctx = service_context()
    user = signed_in_user()
    ticket = detection.secure_account(ctx, user, source="api")
    return SecuredOut().dump({"ticket_id": ticket.id, "status_link": status_link(ctx, ticket),
                              "account_status": user.status}), 201

