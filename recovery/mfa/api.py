"""JSON API of MFA: the caller's MFA state, enrolling TOTP, recovery codes, turning it off."""

from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext

from recovery.accounts.view_kit import limit_password_confirmation
from recovery.mfa import service as mfa
from recovery.mfa.schemas import (
    BeginBody,
    ChangeBody,
    CodeBody,
    DisabledBody,
    EnrollmentBody,
    MfaStatusBody,
    RecoveryCodesBody,
)
from recovery.mfa.view_kit import code_errors, limit_codes
from recovery.web.auth import current_session, login_required, reauth_required, signed_in_user
from recovery.web.context import service_context
from recovery.web.forms import parse_json
from recovery.web.openapi import api_doc

bp = Blueprint("mfa_api", __name__, url_prefix="/api/v1")
TAGS = ("mfa",)


@bp.get("/mfa")
@api_doc("The caller's second factors: whether TOTP is on and how many recovery codes remain",
         responses={200: MfaStatusBody}, tags=TAGS)
@login_required
def status():
    return MfaStatusBody().dump(mfa.mfa_status(service_context(), signed_in_user()))


@bp.post("/mfa/totp")
@api_doc("Begin TOTP enrollment (a session signed in or re-authenticated in the last minutes); replacing an "
         "active authenticator also needs the password and a current code. Not active until confirmed",
         body=BeginBody, body_required=False, responses={201: EnrollmentBody}, errors=(409,), tags=TAGS)
@limit_password_confirmation
@limit_codes
@reauth_required
@code_errors
def begin():
    data = parse_json(BeginBody()) if request.content_length else {}
    enrollment = mfa.begin_enrollment(service_context(), signed_in_user(), password=data.get("password"),
                                      code=data.get("code"))
    qr_svg = enrollment.qr_svg(gettext("QR code for your authenticator app"))
    body = {"secret": enrollment.secret, "otpauth_uri": enrollment.otpauth_uri, "qr_svg": qr_svg,
            "expires_at": enrollment.expires_at}
    return EnrollmentBody().dump(body), 201


@bp.post("/mfa/totp/confirm")
@api_doc("Switch the pending authenticator on with a code from it; answers the recovery codes, shown once",
         body=CodeBody, responses={200: RecoveryCodesBody}, tags=TAGS)
@limit_codes
@login_required
@code_errors
def confirm():
    data = parse_json(CodeBody())
    codes = mfa.confirm_enrollment(service_context(), signed_in_user(), data["code"], session=current_session())
    return RecoveryCodesBody().dump({"recovery_codes": codes})


@bp.post("/mfa/totp/disable")
@api_doc("Turn MFA off with the password and a current TOTP or recovery code; every address is told",
         body=ChangeBody, responses={200: DisabledBody}, errors=(403, 409), tags=TAGS)
@limit_password_confirmation
@limit_codes
@login_required
@code_errors
def disable():
    data = parse_json(ChangeBody())
    mfa.disable_totp(service_context(), signed_in_user(), password=data["password"], code=data["code"])
    return DisabledBody().dump({"status": "disabled"})


@bp.post("/mfa/recovery-codes")
@api_doc("A new set of recovery codes (re-authentication required); the old set stops working",
         responses={201: RecoveryCodesBody}, errors=(409,), tags=TAGS)
@reauth_required
def regenerate():
    codes = mfa.regenerate_recovery_codes(service_context(), signed_in_user())
    return RecoveryCodesBody().dump({"recovery_codes": codes}), 201
