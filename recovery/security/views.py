"""The security page (`/security`) and the two forms that answer on it (a password change, a contact address's
code): above the capabilities whose parts it shows, so none of them imports another for it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext

from recovery.accounts import service as accounts
from recovery.accounts.schemas import ChangePasswordForm, ContactVerifyForm
from recovery.accounts.view_kit import (
    account_errors,
    limit_password_change,
    limit_password_confirmation,
    limit_per_user,
)
from recovery.detection import service as detection
from recovery.events.owner import own_events
from recovery.mfa import service as mfa
from recovery.passkeys import service as passkeys
from recovery.web.auth import login_required, signed_in_session, signed_in_user
from recovery.web.context import service_context
from recovery.web.forms import form_page, parse_form

bp = Blueprint("security", __name__)


def _page() -> dict:
    ctx = service_context()
    user = signed_in_user()
    return {"overview": accounts.security_overview(ctx, user, events=0),
            "own_events": own_events(ctx, user.id).events,
            "mfa": mfa.mfa_status(ctx, user), "current_session_id": signed_in_session().id,
            "detection": detection.security_view(ctx, user), "passkeys": passkeys.list_passkeys(ctx, user)}


@bp.get("/security")
@login_required
def page():
    return render_template("accounts/security.html", form={}, errors={}, **_page())


@bp.post("/security/password")
@limit_password_change
@limit_password_confirmation
@login_required
@form_page("accounts/security.html", _page)
@account_errors
def change_password():
    data = parse_form(ChangePasswordForm())
    accounts.change_password(service_context(), signed_in_user(), data["current_password"], data["new_password"],
                             keep_session_id=signed_in_session().id)
    flash(gettext("Your password is changed, and your other sessions are signed out."), "success")
    return redirect(url_for("security.page"))


@bp.post("/security/contacts/verify")
@limit_per_user("contact-verify")
@login_required
@form_page("accounts/security.html", _page)
@account_errors
def verify_contact():
    data = parse_form(ContactVerifyForm())
    contact = accounts.verify_contact_address(service_context(), signed_in_user(), data["email"], data["code"])
    flash(gettext("Security notices now also go to %(email)s.", email=contact.email), "success")
    return redirect(url_for("security.page"))
