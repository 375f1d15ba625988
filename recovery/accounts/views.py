"""Browser pages of accounts: sign-up, email verification, sign-in and out, re-authentication, the security page."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from recovery.accounts import service as accounts
from recovery.accounts.normalise import normalise_email
from recovery.accounts.schemas import (
    ChangePasswordForm,
    ContactVerifyForm,
    EmailForm,
    ReauthForm,
    SignInForm,
    SignUpForm,
    VerifyEmailForm,
)
from recovery.accounts.signin import PasswordSignIn, sign_in_with_password
from recovery.accounts.view_kit import (
    account_errors,
    label,
    limit_password_change,
    limit_password_confirmation,
    limit_per_user,
    limit_signin,
    limit_signup,
)
from recovery.detection import service as detection
from recovery.detection.view_kit import client_signals, device_id
from recovery.detection.views import step_up_redirect
from recovery.events.owner import own_events
from recovery.mfa import service as mfa
from recovery.mfa.view_kit import begin_second_step
from recovery.sessions import service as sessions
from recovery.web.auth import (
    clear_session_cookie,
    current_session,
    current_user,
    login_required,
    reauth_required,
    set_session_cookie,
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


bp.add_app_template_filter(label, "label")


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
    return redirect(url_for("accounts.signin", email=user.email))


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


@bp.route("/signin", methods=["GET", "POST"])
@limit_signin
@form_page("accounts/signin.html")
@account_errors
def signin():
    if request.method == "GET":
        device_id()  # the device cookie comes with the page, so the answers to the form never differ by it
        form = {"email": request.args.get("email", ""), "next": request.args.get("next", "")}
        return render_template("accounts/signin.html", form=form, errors={})
    data = parse_form(SignInForm())
    ctx = service_context()
    signin = sign_in_with_password(ctx, data["email"], data["password"], client_signals(password_step=True))
    return _after_password(ctx, signin, data["next"])


def _after_password(ctx, signin: PasswordSignIn, next_url: str):
    """The second factor when enrolled (it also answers a step-up), an emailed code when the risk asks for more
    on an account without one, else the session."""
    user = signin.user
    if signin.has_second_factor:
        return begin_second_step(user, next_url)
    if signin.decision.needs_step_up:
        return step_up_redirect(detection.start_step_up(ctx, user, kind="browser", attempt=signin.decision.attempt),
                                next_url)
    detection.complete_signin(ctx, user, signin.observation, stage="password", decision=signin.decision)
    _session, token = sessions.start_session(ctx, user.id, kind="browser", replaces=current_session())
    rotate_csrf()
    response = redirect(safe_next(next_url, url_for("accounts.security")))
    set_session_cookie(response, token)
    return response


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
    return redirect(safe_next(data["next"], url_for("accounts.security")))


def _security_page() -> dict:
    ctx = service_context()
    user = signed_in_user()
    return {"overview": accounts.security_overview(ctx, user, events=0),
            "own_events": own_events(ctx, user.id).events,
            "mfa": mfa.mfa_status(ctx, user), "current_session_id": signed_in_session().id,
            "detection": detection.security_view(ctx, user)}


@bp.get("/security")
@login_required
def security():
    return render_template("accounts/security.html", form={}, errors={}, **_security_page())


@bp.post("/security/password")
@limit_password_change
@limit_password_confirmation
@login_required
@form_page("accounts/security.html", _security_page)
@account_errors
def change_password():
    data = parse_form(ChangePasswordForm())
    accounts.change_password(service_context(), signed_in_user(), data["current_password"], data["new_password"],
                             keep_session_id=signed_in_session().id)
    flash(gettext("Your password is changed, and your other sessions are signed out."), "success")
    return redirect(url_for("accounts.security"))


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
    return redirect(url_for("accounts.security"))


@bp.post("/security/contacts/verify")
@limit_per_user("contact-verify")
@login_required
@form_page("accounts/security.html", _security_page)
@account_errors
def verify_contact():
    data = parse_form(ContactVerifyForm())
    contact = accounts.verify_contact_address(service_context(), signed_in_user(), data["email"], data["code"])
    flash(gettext("Security notices now also go to %(email)s.", email=contact.email), "success")
    return redirect(url_for("accounts.security"))


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
    return redirect(url_for("accounts.security"))
