"""Browser pages of MFA: setting up an authenticator, recovery codes, turning it off (the second step of
signing in is recovery.signin.views)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from recovery.accounts.view_kit import limit_password_confirmation
from recovery.mfa import recovery_codes
from recovery.mfa import service as mfa
from recovery.mfa.schemas import ChangeForm, CodeForm, SheetForm
from recovery.mfa.view_kit import code_errors, limit_codes
from recovery.web.auth import (
    current_session,
    login_required,
    reauth_required,
    signed_in_user,
)
from recovery.web.context import service_context
from recovery.web.forms import form_page, parse_form

bp = Blueprint("mfa", __name__)


# --- setting up ------------------------------------------------------------------------------------------

@bp.route("/security/mfa/setup", methods=["GET", "POST"])
@reauth_required
@form_page("mfa/setup.html")
def setup():
    if request.method == "GET":
        if mfa.mfa_status(service_context(), signed_in_user()).totp_enabled:
            return redirect(url_for("mfa.replace"))
        return render_template("mfa/setup.html", form={}, errors={})
    mfa.begin_enrollment(service_context(), signed_in_user())
    return redirect(url_for("mfa.confirm"))


def _enrollment_page() -> dict:
    enrollment = mfa.pending_enrollment(service_context(), signed_in_user())
    qr = enrollment.qr_svg(gettext("QR code for your authenticator app")) if enrollment else ""
    return {"enrollment": enrollment, "qr_svg": qr}


@bp.route("/security/mfa/setup/confirm", methods=["GET", "POST"])
@limit_codes
@login_required
@form_page("mfa/confirm.html", _enrollment_page)
@code_errors
def confirm():
    if request.method == "GET":
        page = _enrollment_page()
        if page["enrollment"] is None:
            flash(gettext("This setup has expired. Please start again."), "error")
            return redirect(url_for("security.page"))
        return render_template("mfa/confirm.html", form={}, errors={}, **page)
    data = parse_form(CodeForm())
    codes = mfa.confirm_enrollment(service_context(), signed_in_user(), data["code"], session=current_session())
    if not codes:
        flash(gettext("Your new authenticator is set up. The old one no longer works."), "success")
        return redirect(url_for("security.page"))
    return _show_codes(codes, first_time=True)


# --- recovery codes --------------------------------------------------------------------------------------

def _show_codes(codes: list[str], *, first_time: bool = False) -> str:
    sheet = recovery_codes.seal_sheet(service_context(), signed_in_user(), codes)
    return render_template("mfa/recovery_codes.html", codes=codes, sheet=sheet, first_time=first_time)


def _regenerate_context() -> dict:
    return {"status": mfa.mfa_status(service_context(), signed_in_user())}


@bp.route("/security/mfa/recovery-codes", methods=["GET", "POST"])
@reauth_required
@form_page("mfa/regenerate.html", _regenerate_context)
def regenerate():
    if request.method == "GET":
        return render_template("mfa/regenerate.html", form={}, errors={}, **_regenerate_context())
    return _show_codes(mfa.regenerate_recovery_codes(service_context(), signed_in_user()))


def _sheet_codes() -> list[str]:
    data = parse_form(SheetForm())
    return recovery_codes.open_sheet(service_context(), signed_in_user(), data["sheet"])


@bp.post("/security/mfa/recovery-codes/download")
@login_required
def download_codes():
    text = render_template("mfa/recovery_codes.txt", codes=_sheet_codes(), email=signed_in_user().email)
    return Response(text, mimetype="text/plain",
                    headers={"Content-Disposition": 'attachment; filename="recovery-codes.txt"'})


@bp.post("/security/mfa/recovery-codes/print")
@login_required
def print_codes():
    return render_template("mfa/recovery_codes_print.html", codes=_sheet_codes(), email=signed_in_user().email)


# --- replacing and turning off ---------------------------------------------------------------------------

@bp.route("/security/mfa/replace", methods=["GET", "POST"])
@limit_password_confirmation
@limit_codes
@login_required
@form_page("mfa/replace.html")
@code_errors
def replace():
    if request.method == "GET":
        return render_template("mfa/replace.html", form={}, errors={})
    data = parse_form(ChangeForm())
    mfa.begin_enrollment(service_context(), signed_in_user(), password=data["password"], code=data["code"],
                         replacing=True)
    return redirect(url_for("mfa.confirm"))


@bp.route("/security/mfa/disable", methods=["GET", "POST"])
@limit_password_confirmation
@limit_codes
@login_required
@form_page("mfa/disable.html")
@code_errors
def disable():
    if request.method == "GET":
        return render_template("mfa/disable.html", form={}, errors={})
    data = parse_form(ChangeForm())
    mfa.disable_totp(service_context(), signed_in_user(), password=data["password"], code=data["code"])
    flash(gettext("Two-step verification is off. Every address on your account has been told."), "success")
    return redirect(url_for("security.page"))
