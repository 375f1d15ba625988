"""Browser pages of signing in: the password form, the second factor and the emailed code. They keep only
cookies, redirects and the forms; recovery.signin decides."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from itsdangerous import BadSignature, Signer
from werkzeug.wrappers import Response

from recovery.accounts.schemas import SignInForm
from recovery.accounts.web import account_errors, limit_signin
from recovery.detection.schemas import StepUpForm
from recovery.detection.web import client_signals, device_id
from recovery.mfa.schemas import SecondFactorForm
from recovery.mfa.web import code_errors, limit_codes
from recovery.signin.flow import (
    Outcome,
    Password,
    SecondFactorDue,
    SignedIn,
    StepUpDue,
    finish_second_factor,
    finish_step_up,
    has_pending_step_up,
    sign_in,
)
from recovery.web.auth import current_session, set_session_cookie
from recovery.web.context import runtime, service_context
from recovery.web.csrf import rotate_csrf
from recovery.web.forms import form_page, parse_form
from recovery.web.links import safe_next
from recovery.web.ratelimit import limiter

bp = Blueprint("signin", __name__)
STEP_UP_COOKIE = "recovery_step_up"
_STEP_UP_LIMIT = "30 per hour"


@bp.route("/signin", methods=["GET", "POST"])
@limit_signin
@form_page("accounts/signin.html")
@account_errors
def password():
    if request.method == "GET":
        device_id()  # the device cookie comes with the page, so the answers to the form never differ by it
        form = {"email": request.args.get("email", ""), "next": request.args.get("next", "")}
        return render_template("accounts/signin.html", form=form, errors={})
    data = parse_form(SignInForm())
    outcome = sign_in(service_context(), Password(data["email"], data["password"]),
                      client_signals(password_step=True), kind="browser", replaces=current_session())
    return _answer(outcome, data["next"])


@bp.route("/signin/second-factor", methods=["GET", "POST"])
@limit_codes
@form_page("mfa/second_factor.html")
@code_errors
def second_factor():
    if request.method == "GET":
        if challenge_token() is None:
            return redirect(url_for("signin.password"))
        return render_template("mfa/second_factor.html", form={"next": request.args.get("next", "")}, errors={})
    data = parse_form(SecondFactorForm())
    signed_in = finish_second_factor(service_context(), challenge_token(), data["code"], client_signals(),
                                     kind="browser", replaces=current_session())
    response = _started(signed_in, data["next"])
    _clear_challenge_cookie(response)
    return response


@bp.route("/signin/verify", methods=["GET", "POST"])
@limiter.limit(_STEP_UP_LIMIT, methods=["POST"])
@form_page("detection/step_up.html")
def step_up():
    token = request.cookies.get(STEP_UP_COOKIE)
    if request.method == "GET":
        if not has_pending_step_up(service_context(), token, kind="browser"):
            return redirect(url_for("signin.password"))
        return render_template("detection/step_up.html", form={"next": request.args.get("next", "")}, errors={})
    data = parse_form(StepUpForm())
    signed_in = finish_step_up(service_context(), token, data["code"], client_signals(), kind="browser",
                               replaces=current_session())
    response = _started(signed_in, request.form.get("next"))
    response.delete_cookie(STEP_UP_COOKIE, path="/signin/verify", secure=runtime().settings.uses_https,
                           httponly=True, samesite="Lax")
    return response


def _answer(outcome: Outcome, next_url: str | None) -> Response:
    """The session's cookie, or the pending step's cookie and page."""
    if isinstance(outcome, SecondFactorDue):
        response = redirect(url_for("signin.second_factor", next=next_url or None))
        # HttpOnly and Strict: only this site's own second-factor form ever sends it back.
        response.set_cookie(_challenge_cookie_name(), _challenge_signer().sign(outcome.token).decode(),
                            httponly=True, samesite="Strict", secure=runtime().settings.uses_https, path="/")
        return response
    if isinstance(outcome, StepUpDue):
        response = redirect(url_for("signin.step_up", next=next_url or None))
        response.set_cookie(STEP_UP_COOKIE, outcome.token, max_age=15 * 60, httponly=True, samesite="Lax",
                            secure=runtime().settings.uses_https, path="/signin/verify")
        return response
    return _started(outcome, next_url)


def _started(signed_in: SignedIn, next_url: str | None) -> Response:
    rotate_csrf()
    response = redirect(safe_next(next_url, url_for("security.page")))
    set_session_cookie(response, signed_in.token)
    return response


def _challenge_cookie_name() -> str:
    return "__Host-recovery_mfa" if runtime().settings.uses_https else "recovery_mfa"


def _challenge_signer() -> Signer:
    return Signer(runtime().settings.secret_key, salt="recovery.mfa-challenge-cookie")


def challenge_token() -> str | None:
    """The browser's pending sign-in token (password given, second factor due), if its cookie is intact."""
    cookie = request.cookies.get(_challenge_cookie_name())
    if not cookie:
        return None
    try:
        return _challenge_signer().unsign(cookie).decode()
    except BadSignature:
        return None


def _clear_challenge_cookie(response: Response) -> None:
    response.delete_cookie(_challenge_cookie_name(), path="/", secure=runtime().settings.uses_https, httponly=True,
                           samesite="Strict")
