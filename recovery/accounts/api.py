"""JSON API of accounts: sign-up and verification, the caller's own account, status changes by staff and their
view of an account's sessions."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext

from recovery.accounts import service as accounts
from recovery.accounts.schemas import (
    AcceptedBody,
    AccountBody,
    Credentials,
    EmailBody,
    MeBody,
    StatusBody,
    VerifiedBody,
    VerifyEmailBody,
)
from recovery.accounts.status import end_sessions_by_staff, sessions_for_staff
from recovery.accounts.view_kit import account_errors, limit_signup
from recovery.sessions.api import session_list
from recovery.sessions.schemas import RevokedBody, SessionListBody
from recovery.web.auth import login_required, role_required, signed_in_user
from recovery.web.context import service_context
from recovery.web.equal_time import equal_time
from recovery.web.forms import parse_json
from recovery.web.openapi import api_doc

bp = Blueprint("accounts_api", __name__, url_prefix="/api/v1")
TAGS = ("accounts",)


def _accepted(message: str) -> tuple[dict, int]:
    return AcceptedBody().dump({"status": "accepted", "message": message}), 202


@bp.post("/accounts")
@api_doc("Create an account; the answer is the same whether or not the address already has one",
         body=Credentials, responses={202: AcceptedBody}, auth=False, tags=TAGS)
@limit_signup("signup")
@account_errors
def create_account():
    data = parse_json(Credentials())
    accounts.sign_up(service_context(), data["email"], data["password"])
    return _accepted(gettext("Check your email: we have sent a code to verify the address."))


@bp.post("/accounts/verify")
@api_doc("Verify an email address with the emailed 8-digit code and the password chosen at sign-up",
         body=VerifyEmailBody, responses={200: VerifiedBody}, auth=False, tags=TAGS)
@limit_signup("verify")
@account_errors
def verify():
    data = parse_json(VerifyEmailBody())
    user = accounts.verify_email(service_context(), data["email"], data["code"], data["password"])
    return VerifiedBody().dump({"status": "verified", "email": user.email})


@bp.post("/accounts/verify/resend")
@api_doc("Send a new verification code (the answer never says whether one was sent)", body=EmailBody,
         responses={202: AcceptedBody}, auth=False, tags=TAGS)
@limit_signup("resend")
@equal_time("verify-resend")
@account_errors
def resend():
    data = parse_json(EmailBody())
    accounts.resend_verification(service_context(), data["email"])
    return _accepted(gettext("If that address is waiting to be verified, we have sent it a new code."))


@bp.get("/me")
@api_doc("The signed-in account", responses={200: MeBody}, tags=TAGS)
@login_required
def me():
    user = signed_in_user()
    body = MeBody().dump(user)
    body["notification_addresses"] = accounts.notification_addresses(service_context(), user)
    return body


@bp.put("/accounts/<int:user_id>/status")
@api_doc("Set an account's status with a reason (security and admin staff, or a moderation system with a "
         "staff token); a non-active status ends every session and the holder is told",
         body=StatusBody, responses={200: AccountBody}, tags=TAGS)
@role_required("security")
@account_errors
def set_status(user_id: int):
    data = parse_json(StatusBody())
    ctx = service_context()
    user = accounts.set_account_status(ctx, accounts.get_user(ctx, user_id), data["status"], data["reason"],
                                       approval=accounts.Approval(signed_in_user()))
    return AccountBody().dump(user)


@bp.get("/accounts/<int:user_id>/sessions")
@api_doc("Staff: an account's active sessions (a staff account's: admin only)", responses={200: SessionListBody},
         tags=("sessions",))
@role_required("agent", "security")
def staff_list(user_id: int):
    ctx = service_context()
    return session_list(sessions_for_staff(ctx, accounts.get_user(ctx, user_id)))


@bp.delete("/accounts/<int:user_id>/sessions")
@api_doc("Staff: end every session of an account (a staff account's: admin only)", responses={200: RevokedBody},
         tags=("sessions",))
@role_required("agent", "security")
def staff_revoke(user_id: int):
    ctx = service_context()
    user = accounts.get_user(ctx, user_id)
    return RevokedBody().dump({"revoked": end_sessions_by_staff(ctx, user, reason="staff_revoked")})
