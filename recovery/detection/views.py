"""Browser pages of detection: /secure-account, the buttons of the "new sign-in" email, the containment reset,
forgetting a known device (the emailed-code step of a risky sign-in is recovery.signin.views)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from recovery.detection import service as detection
from recovery.detection.schemas import EmailForm, SecurePasswordForm
from recovery.detection.view_kit import install_device_cookie, install_template_helpers
from recovery.errors import RecoveryError
from recovery.passkeys.view_kit import limit_options
from recovery.reset.view_kit import passkey_answer
from recovery.tickets.access import status_token
from recovery.web.auth import current_user, login_required, signed_in_user
from recovery.web.context import service_context
from recovery.web.equal_time import equal_time
from recovery.web.forms import form_page, parse_form
from recovery.web.headers import mark_token_page
from recovery.web.ratelimit import limit

bp = Blueprint("detection", __name__)
install_device_cookie(bp)
install_template_helpers(bp)


def _to_ticket(ticket):
    """Land on the ticket's status page (the same signed link its email carries)."""
    return redirect(url_for("tickets_intake.status", token=status_token(service_context(), ticket)), 303)


@bp.route("/secure-account", methods=["GET", "POST"])
@limit("secure-account-email", "secure-account-ip")
@equal_time(lambda: "secure-account.signed-in" if current_user() else "secure-account")
@form_page("detection/secure_account.html")
def secure_account():
    user = current_user()
    if request.method == "GET":
        return render_template("detection/secure_account.html", form={}, errors={})
    if user is not None:
        ticket = detection.secure_account(service_context(), user, source="security_page")
        return _to_ticket(ticket)
    data = parse_form(EmailForm())
    detection.request_secure_link(service_context(), data["email"])
    return render_template("detection/secure_account.html", form={}, errors={}, sent=True)


@bp.route("/signin-notice/<any(confirm, secure):purpose>/<token>", methods=["GET", "POST"])
@limit("notice-link-ip")
@form_page("detection/notice_link.html", lambda purpose, token: {"purpose": purpose, "token": token})
def notice_link(purpose: str, token: str):
    mark_token_page()
    if request.method == "GET":  # mail scanners open links: GET only shows the button
        return render_template("detection/notice_link.html", form={}, errors={}, purpose=purpose, token=token)
    ctx = service_context()
    if purpose == "secure":
        return _to_ticket(detection.report_not_me(ctx, token))
    detection.confirm_it_was_me(ctx, token)
    return render_template("detection/notice_link.html", form={}, errors={}, purpose=purpose, done=True)


def _secure_password_page(token: str) -> dict:
    return {"token": token, "reset": detection.inspect_secure_reset(service_context(), token)}


def _secure_password_again(token: str) -> dict:
    """After a refused answer the form again while the link still works (a wrong code or passkey leaves it
    live); only an unusable link shows the way to secure the account another way."""
    try:
        return _secure_password_page(token)
    except RecoveryError:
        return {"token": token, "reset": None}


@bp.route("/secure-account/password/<token>", methods=["GET", "POST"])
@limit("secure-password-ip")
@form_page("detection/secure_password.html", lambda token: _secure_password_again(token))
def secure_password(token: str):
    mark_token_page()
    if request.method == "GET":
        return render_template("detection/secure_password.html", form={}, errors={}, **_secure_password_page(token))
    data = parse_form(SecurePasswordForm())
    ticket = detection.confirm_secure_reset(service_context(), token, data["password"], data["code"],
                                            passkey_answer(data))
    flash(gettext("Your new password is set. Your account stays locked until our security team has checked "
                  "it; this page shows how that goes."), "success")
    return _to_ticket(ticket) if ticket is not None else redirect(url_for("signin.password"), 303)


@bp.post("/secure-account/password/<token>/passkey-options")
@limit_options
def secure_password_passkey_options(token: str):
    """The passkey options of the containment reset page (JSON, CSRF header): the live link's account only."""
    mark_token_page()
    ceremony = detection.secure_reset_passkey_options(service_context(), token)
    return {"options": ceremony.options, "flow": ceremony.flow}


@bp.post("/security/devices/<int:device_id>/forget")
@login_required
def forget_device(device_id: int):
    detection.forget_device(service_context(), signed_in_user(), device_id)
    flash(gettext("The device is forgotten. If it signs in again, we will tell you."), "success")
    return redirect(url_for("security.page"))


