"""Browser pages of accounts: sign-up, email verification, sign-in and out, re-authentication, the security page."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from recovery.accounts import service as accounts
from recovery.accounts.schemas import (
    EmailForm,
    ReauthForm,
    SignUpForm,
    VerifyEmailForm,
)
from recovery.accounts.view_kit import (
    account_errors,
    limit_password_confirmation,
    limit_per_user,
    limit_signup,
)
from recovery.emails import normalise_email
from recovery.sessions import service as sessions
from recovery.web.auth import (
    clear_session_cookie,
    current_session,
    current_user,
    login_required,
    reauth_required,
    signed_in_session,
    signed_in_user,
)
from recovery.web.context import service_context
from recovery.web.csrf import rotate_csrf
from recovery.web.equal_time import equal_time
from recovery.web.forms import form_page, parse_form
from recovery.web.headers import mark_token_page
from recovery.web.links import safe_next

bp = Blueprint("accounts", __name__)



def _password_rules() -> dict:
    return {"rules": accounts.password_requirements(service_context(), current_user())}


@bp.route("/signup", methods=["GET", "POST"])
@limit_signup("signup")
@form_page("accounts/signup.html", _password_rules)
@account_errors
def signup():
    if request.method == "GET":
        return render_template("accounts/signup.html", form={}, errors={}, **_password_rules())
    data = parse_form(SignUpForm())
    accounts.sign_up(service_context(), data["email"], data["password"])
    # The same page whether or not the address already had an account.
    return render_template("accounts/verify_email.html", form={"email": normalise_email(data["email"])},
                           errors={}, sent=True)


def _verify_again() -> dict:
    """After the emailed link's button, a wrong or missing password shows that button's form again with the
    link's code, so only the password is typed again; any other error (the code itself) shows the full form."""
    error = g.get("form_error")
    again = request.form.get("from_link") == "1" and getattr(error, "code", "") in _PASSWORD_ERRORS
    return {"confirm": again, "link_code": request.form.get("code", "") if again else ""}


_PASSWORD_ERRORS = ("not_the_creators_password", "validation_failed")


@bp.route("/verify-email", methods=["GET", "POST"])
@limit_signup("verify")
@form_page("accounts/verify_email.html", context=_verify_again)
@account_errors
def verify_email():
    if request.method == "GET":
        # Mail scanners open links: GET only shows a button, and the code in the URL must not leak onwards.
        mark_token_page()
        form = {"email": request.args.get("email", ""), "code": request.args.get("code", "")}
        return render_template("accounts/verify_email.html", form=form, errors={}, confirm=bool(form["code"]))
    data = parse_form(VerifyEmailForm())
    user = accounts.verify_email(service_context(), data["email"], data["code"], data["password"])
    flash(gettext("Your email address is verified. You can sign in now."), "success")
    return redirect(url_for("signin.password", email=user.email))


@bp.post("/verify-email/resend")
@limit_signup("resend")
@equal_time("verify-resend")
@form_page("accounts/verify_email.html")
@account_errors
def resend_verification():
    data = parse_form(EmailForm())
    accounts.resend_verification(service_context(), data["email"])
    flash(gettext("If that address is waiting to be verified, we have sent it a new code."))
    return redirect(url_for("accounts.verify_email", email=normalise_email(data["email"])))


@bp.post("/signout")
def signout():
    session = current_session()
    if session is not None:
        sessions.end_session(service_context(), session)
    rotate_csrf()
    flash(gettext("You have signed out."))
    response = redirect(url_for("home.index"))
    clear_session_cookie(response)
    return response


@bp.route("/reauthenticate", methods=["GET", "POST"])
@limit_password_confirmation
@login_required
@form_page("accounts/reauthenticate.html")
@account_errors
def reauthenticate():
    if request.method == "GET":
        return render_template("accounts/reauthenticate.html", form={"next": request.args.get("next", "")},
                               errors={})
    data = parse_form(ReauthForm())
    accounts.reauthenticate(service_context(), signed_in_user(), signed_in_session(), data["password"])
    return redirect(safe_next(data["next"], url_for("security.page")))


@bp.route("/security/contacts/add", methods=["GET", "POST"])
@limit_per_user("contact-add")
@reauth_required
@form_page("accounts/contact_add.html")
@account_errors
def add_contact():
    if request.method == "GET":
        return render_template("accounts/contact_add.html", form={}, errors={})
    data = parse_form(EmailForm())
    contact = accounts.add_contact_address(service_context(), signed_in_user(), data["email"])
    flash(gettext("We have sent a code to %(email)s. Enter it below to start sending notices there.",
                  email=contact.email))
    return redirect(url_for("security.page"))


@bp.route("/security/contacts/remove", methods=["GET", "POST"])
@reauth_required
@form_page("accounts/contact_remove.html")
@account_errors
def remove_contact():
    if request.method == "GET":
        return render_template("accounts/contact_remove.html", form={"email": request.args.get("email", "")},
                               errors={})
    data = parse_form(EmailForm())
    accounts.remove_contact_address(service_context(), signed_in_user(), data["email"])
    flash(gettext("The address is removed. Every address on file has been told."))
    return redirect(url_for("security.page"))
