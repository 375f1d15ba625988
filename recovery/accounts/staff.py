"""Staff pages for accounts: look an account up, see its status, sessions and events; change status; end sessions.

Every staff role may look and end sessions (a staff account's: only an admin); only security and admin change a
status. Staff never see or set a password: the pages show none and offer no way to.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from recovery.accounts import service as accounts
from recovery.accounts.schemas import StaffLookupQuery, StatusForm
from recovery.accounts.status import end_sessions_by_staff, may_act_on_sessions
from recovery.accounts.view_kit import account_errors
from recovery.events.labels import label
from recovery.web.auth import role_required, signed_in_user
from recovery.web.context import service_context
from recovery.web.forms import form_page, parse, parse_form

bp = Blueprint("staff_accounts", __name__)
STAFF = ("agent", "security")  # admin passes every role check


@bp.get("/staff/")
@role_required(*STAFF)
def index():
    email = parse(StaffLookupQuery(), request.args.to_dict())["email"].strip()
    user = accounts.find_user_by_email(service_context(), email) if email else None
    if user is not None:
        return redirect(url_for("staff_accounts.account", user_id=user.id))
    return render_template("staff/accounts/index.html", email=email, not_found=bool(email))


def _account_page(user_id: int) -> dict:
    ctx = service_context()
    staff = signed_in_user()
    user = accounts.get_user(ctx, user_id)
    # A staff account's sessions are listed (and ended) only for an admin: the page shows none to others.
    return {"overview": accounts.security_overview(ctx, user, events=50),
            "can_change_status": staff.role in ("security", "admin"),
            "can_see_sessions": may_act_on_sessions(ctx, user)}


@bp.get("/staff/accounts/<int:user_id>")
@role_required(*STAFF)
def account(user_id: int):
    return render_template("staff/accounts/account.html", form={}, errors={}, **_account_page(user_id))


@bp.post("/staff/accounts/<int:user_id>/status")
@role_required("security")
@form_page("staff/accounts/account.html", _account_page)
@account_errors
def change_status(user_id: int):
    data = parse_form(StatusForm())
    ctx = service_context()
    user = accounts.set_account_status(ctx, accounts.get_user(ctx, user_id), data["status"], data["reason"],
                                       approval=accounts.Approval(signed_in_user()))
    flash(gettext("The account of %(email)s is now %(status)s. Its holder has been told.", email=user.email,
                  status=label(user.status, "status")), "success")
    return redirect(url_for("staff_accounts.account", user_id=user_id))


@bp.post("/staff/accounts/<int:user_id>/sessions/revoke")
@role_required(*STAFF)
def revoke_sessions(user_id: int):
    ctx = service_context()
    user = accounts.get_user(ctx, user_id)
    end_sessions_by_staff(ctx, user, reason="staff_revoked")
    flash(gettext("Every session of %(email)s is signed out.", email=user.email), "success")
    return redirect(url_for("staff_accounts.account", user_id=user_id))
