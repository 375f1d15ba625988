"""JSON API: request a reset link, and set the new password with the token from the link."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext

from recovery.reset import service
from recovery.reset.quota import request_within_quota
from recovery.reset.schemas import ResetAccepted, ResetConfirm, ResetDone, ResetRequest
from recovery.reset.view_kit import limit_confirms, limit_requests, passkey_answer
from recovery.web.context import service_context
from recovery.web.forms import parse_json
from recovery.web.openapi import api_doc

bp = Blueprint("reset_api", __name__, url_prefix="/api/v1/password-resets")


@bp.post("")
@limit_requests
@api_doc("Email a password-reset link (always 202, whether or not the address has an account)",
         body=ResetRequest, responses={202: ResetAccepted}, auth=False, tags=("password reset",))
def request_reset():
    data = parse_json(ResetRequest())
    request_within_quota(service_context(), data["email"])
    return jsonify({"status": "accepted", "message": gettext(
        "If an account uses this address, we have sent it an email with what to do next.")}), 202


@bp.post("/confirm")
@limit_confirms
@api_doc("Set a new password with the token from a reset link (and a second-factor code when enrolled)",
         body=ResetConfirm, responses={200: ResetDone}, errors=(409,), auth=False, tags=("password reset",))
def confirm_reset():
    data = parse_json(ResetConfirm())
    outcome = service.confirm_reset(service_context(), data["token"], data["password"], data.get("code"),
                                    passkey_answer(data))
    return jsonify({"status": "password_reset", "sessions_revoked": outcome.sessions_revoked})
