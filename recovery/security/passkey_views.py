"""The security page's passkey pages: add one (re-authenticated; passkeys.js runs the browser's part), rename,
remove (re-authenticated, with a warning before the last factor goes). A flow above passkeys: where the browser
is comes from detection, the last-factor rule from MFA."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from recovery.detection.view_kit import client_signals
from recovery.passkeys import service as passkeys
from recovery.passkeys.schemas import RegisterForm, RenameForm
from recovery.passkeys.view_kit import limit_changes, limit_options
from recovery.security import passkey_changes
from recovery.web.auth import login_required, reauth_required, signed_in_user
from recovery.web.context import service_context
from recovery.web.forms import form_page, parse_form

bp = Blueprint("security_passkeys", __name__)


@bp.get("/security/passkeys/new")
@reauth_required
def new():
    return render_template("passkeys/new.html", form={}, errors={})


@bp.post("/security/passkeys/options")
@limit_options
@reauth_required
def options():
    ceremony = passkeys.begin_registration(service_context(), signed_in_user())
    return {"options": ceremony.options, "flow": ceremony.flow}


@bp.post("/security/passkeys")
@limit_changes
@reauth_required
@form_page("passkeys/new.html")
def add():
    data = parse_form(RegisterForm())
    passkey = passkey_changes.add_passkey(service_context(), signed_in_user(), data["flow"], data["credential"],
                                          data["name"], client_signals())
    flash(gettext("Your passkey “%(name)s” is added. You can use it to sign in.", name=passkey.name), "success")
    return redirect(url_for("security.page"))


def _one(passkey_id: int) -> dict:
    ctx, user = service_context(), signed_in_user()
    return {"passkey": passkeys.get_passkey(ctx, user, passkey_id),
            "last_factor": passkey_changes.is_last_factor(ctx, user)}


@bp.route("/security/passkeys/<int:passkey_id>/rename", methods=["GET", "POST"])
@limit_changes
@login_required
@form_page("passkeys/rename.html", _one)
def rename(passkey_id: int):
    page = _one(passkey_id)
    if request.method == "GET":
        return render_template("passkeys/rename.html", form={"name": page["passkey"].name}, errors={}, **page)
    data = parse_form(RenameForm())
    passkeys.rename_passkey(service_context(), signed_in_user(), passkey_id, data["name"])
    flash(gettext("Your passkey is renamed."), "success")
    return redirect(url_for("security.page"))


@bp.route("/security/passkeys/<int:passkey_id>/remove", methods=["GET", "POST"])
@limit_changes
@reauth_required
@form_page("passkeys/remove.html", _one)
def remove(passkey_id: int):
    page = _one(passkey_id)
    if request.method == "GET":
        return render_template("passkeys/remove.html", form={}, errors={}, **page)
    passkey_changes.remove_passkey(service_context(), signed_in_user(), passkey_id)
    flash(gettext("Your passkey “%(name)s” is removed.", name=page["passkey"].name), "success")
    return redirect(url_for("security.page"))
