"""Browser pages: ask for a link, open it (cookie, then redirect), choose the new password."""

from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, url_for

from recovery.passkeys.view_kit import limit_options
from recovery.reset import service
from recovery.reset.quota import request_within_quota
from recovery.reset.schemas import NewPasswordForm, ResetRequestForm
from recovery.reset.view_kit import (
    clear_reset_cookie,
    cookie_token,
    limit_confirms,
    limit_requests,
    passkey_answer,
    set_reset_cookie,
    shows_link_problems,
)
from recovery.web.context import runtime, service_context
from recovery.web.forms import form_page, parse_form
from recovery.web.headers import mark_token_page

bp = Blueprint("reset", __name__)


@bp.get("/forgot")
def forgot():
    return render_template("reset/forgot.html", form={}, errors={})


@bp.post("/forgot")
@limit_requests
@form_page("reset/forgot.html")
def forgot_submit():
    data = parse_form(ResetRequestForm())
    request_within_quota(service_context(), data["email"])
    return render_template("reset/sent.html", minutes=runtime().settings.reset_token_minutes), 202


@bp.get("/reset/<token>")
@shows_link_problems
def open_link(token: str):
    """Checks the link without using it, then moves the token into a cookie and out of the URL."""
    mark_token_page()
    service.inspect_link(service_context(), token)
    response = redirect(url_for("reset.choose_password"), 303)
    set_reset_cookie(response, token)
    return response


def _form_context() -> dict:
    return {"reset": service.inspect_link(service_context(), cookie_token())}


@bp.get("/reset")
@shows_link_problems
def choose_password():
    mark_token_page()
    return render_template("reset/choose_password.html", form={}, errors={}, **_form_context())


@bp.post("/reset")
@limit_confirms
@form_page("reset/choose_password.html", context=_form_context)
@shows_link_problems
def choose_password_submit():
    mark_token_page()
    data = parse_form(NewPasswordForm())
    service.confirm_reset(service_context(), cookie_token(), data["password"], data.get("code"),
                          passkey_answer(data))
    response = make_response(render_template("reset/done.html"))
    clear_reset_cookie(response)
    return response


@bp.post("/reset/passkey-options")
@limit_options
@shows_link_problems
def passkey_options():
    ceremony = service.passkey_options(service_context(), cookie_token())
    return {"options": ceremony.options, "flow": ceremony.flow}
