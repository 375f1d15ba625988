"""JSON API of detection: a user's own sign-ins and devices, and securing one's own account (the emailed-code
step of a risky sign-in is recovery.signin.api)."""

from __future__ import annotations

from flask import Blueprint

from recovery.detection import service as detection
from recovery.detection.schemas import SecuredOut, SecurityOut
from recovery.tickets.access import status_link
from recovery.web.auth import login_required, signed_in_user
from recovery.web.context import service_context
from recovery.web.openapi import api_doc

bp = Blueprint("detection_api", __name__, url_prefix="/api/v1")


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

