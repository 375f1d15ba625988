"""Browser pages of signing in: the password form, the second factor and the emailed code. They keep only
cookies, redirects and the forms; recovery.signin decides."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from recovery.accounts.schemas import SignInForm
from recovery.accounts.view_kit import account_errors, limit_signin
from recovery.db import release_if_unwritten
from recovery.detection import service as detection
from recovery.detection.schemas import StepUpForm
from recovery.detection.view_kit import client_signals, device_id
from recovery.mfa.schemas import SecondFactorForm
from recovery.mfa.view_kit import code_errors, limit_codes
from recovery.passkeys import service as passkeys
from recovery.passkeys.schemas import AssertionForm
from recovery.passkeys.view_kit import limit_options, limit_passkey_signin, passkey_errors
from recovery.signin.flow import (
    Outcome,
    Passkey,
    Password,
    SecondFactorDue,
    SignedIn,
    StepUpDue,
    finish_second_factor,
    finish_step_up,
    has_pending_step_up,
    sign_in,
)
from recovery.signin.passkey import second_factor_choices, second_factor_options
from recovery.web.auth import current_session, set_session_cookie
from recovery.web.context import service_context
from recovery.web.cookies import DEVICE, MFA_CHALLENGE, STEP_UP, clear_cookie, read_cookie, set_cookie
from recovery.web.csrf import rotate_csrf
from recovery.web.forms import form_page, parse_form
from recovery.web.limit_table import exempt_familiar_devices
from recovery.web.links import safe_next
from recovery.web.ratelimit import limit

bp = Blueprint("signin", __name__)


def _familiar_device() -> bool:
    """The sign-in form posted by a browser whose device cookie its account has signed in from (once per request;
    its read is ended at once, so the password step's own reads stay apart)."""
    if request.endpoint != "signin.password" or request.method != "POST":
        return False
    if "familiar_device" not in g:
        ctx = service_context()
        g.familiar_device = detection.is_familiar_device(ctx, request.form.get("email", ""), read_cookie(DEVICE))
        release_if_unwritten(ctx.session)
    return bool(g.familiar_device)


exempt_familiar_devices(_familiar_device)


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


def _second_factor_page() -> dict:
    """What the code page needs to offer a passkey (templates/passkeys/_second_factor.html)."""
    code, passkey = second_factor_choices(service_context(), challenge_token(), kind="browser")
    return {"code_second_factor": code, "passkey_second_factor": passkey}


@bp.route("/signin/second-factor", methods=["GET", "POST"])
@limit_codes
@form_page("mfa/second_factor.html", _second_factor_page)
@code_errors
def second_factor():
    if request.method == "GET":
        if challenge_token() is None:
            return redirect(url_for("signin.password"))
        return render_template("mfa/second_factor.html", form={"next": request.args.get("next", "")}, errors={},
                               **_second_factor_page())
    data = parse_form(SecondFactorForm())
    signed_in = finish_second_factor(service_context(), challenge_token(), data["code"], client_signals(),
                                     kind="browser", replaces=current_session())
    response = _started(signed_in, data["next"])
    clear_cookie(response, MFA_CHALLENGE)
    return response


@bp.post("/signin/second-factor/options")
@limit_options
@code_errors
def second_factor_options_json():
    ceremony = second_factor_options(service_context(), challenge_token(), kind="browser")
    return {"options": ceremony.options, "flow": ceremony.flow}


@bp.post("/signin/second-factor/passkey")
@limit_codes
@form_page("mfa/second_factor.html", _second_factor_page)
@code_errors
def second_factor_passkey():
    data = parse_form(AssertionForm())
    signed_in = finish_second_factor(service_context(), challenge_token(), Passkey(data["flow"], data["credential"]),
                                     client_signals(), kind="browser", replaces=current_session())
    response = _started(signed_in, data["next"])
    clear_cookie(response, MFA_CHALLENGE)
    return response


@bp.get("/signin/passkey")
def passkey():
    device_id()  # the device cookie comes with the page, as on the password form
    return render_template("passkeys/signin.html", form={"next": request.args.get("next", "")}, errors={})


@bp.post("/signin/passkey/options")
@limit_options
def passkey_options():
    ceremony = passkeys.begin_authentication(service_context(), purpose=passkeys.AUTHENTICATE)
    return {"options": ceremony.options, "flow": ceremony.flow}


@bp.post("/signin/passkey")
@limit_passkey_signin
@form_page("passkeys/signin.html")
@account_errors
@passkey_errors
def passkey_submit():
    data = parse_form(AssertionForm())
    outcome = sign_in(service_context(), Passkey(data["flow"], data["credential"]), client_signals(),
                      kind="browser", replaces=current_session())
    return _answer(outcome, data["next"])


@bp.route("/signin/verify", methods=["GET", "POST"])
@limit("step-up-ip")
@form_page("detection/step_up.html")
def step_up():
    token = read_cookie(STEP_UP)
    if request.method == "GET":
        if not has_pending_step_up(service_context(), token, kind="browser"):
            return redirect(url_for("signin.password"))
        return render_template("detection/step_up.html", form={"next": request.args.get("next", "")}, errors={})
    data = parse_form(StepUpForm())
    signed_in = finish_step_up(service_context(), token, data["code"], client_signals(), kind="browser",
                               replaces=current_session())
    response = _started(signed_in, request.form.get("next"))
    clear_cookie(response, STEP_UP)
    return response


def _answer(outcome: Outcome, next_url: str | None) -> Response:
    """The session's cookie, or the pending step's cookie and page."""
    if isinstance(outcome, SecondFactorDue):
        response = redirect(url_for("signin.second_factor", next=next_url or None))
        set_cookie(response, MFA_CHALLENGE, outcome.token)  # Strict: only our own code form sends it back
        return response
    if isinstance(outcome, StepUpDue):
        response = redirect(url_for("signin.step_up", next=next_url or None))
        set_cookie(response, STEP_UP, outcome.token)
        return response
    return _started(outcome, next_url)


def _started(signed_in: SignedIn, next_url: str | None) -> Response:
    rotate_csrf()
    response = redirect(safe_next(next_url, url_for("security.page")))
    set_session_cookie(response, signed_in.token)
    return response


def challenge_token() -> str | None:
    """The browser's pending sign-in token (password given, second factor due), if its cookie is intact."""
    return read_cookie(MFA_CHALLENGE)
