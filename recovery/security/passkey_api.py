"""JSON API of the caller's passkeys: register one (options, then the authenticator's answer), list, rename,
remove. A flow above passkeys: where the client is comes from detection, the last-factor rule from MFA."""

from __future__ import annotations

from flask import Blueprint

from recovery.detection.view_kit import client_signals
from recovery.passkeys import service as passkeys
from recovery.passkeys.schemas import CeremonyOut, PasskeyListOut, PasskeyOut, RegisterBody, RenameBody
from recovery.passkeys.view_kit import limit_changes, limit_options
from recovery.security import passkey_changes
from recovery.web.auth import login_required, reauth_required, signed_in_user
from recovery.web.context import service_context
from recovery.web.forms import parse_json
from recovery.web.openapi import api_doc

bp = Blueprint("passkeys_api", __name__, url_prefix="/api/v1")
TAGS = ("passkeys",)


@bp.post("/passkeys/registration-options")
@api_doc("Options for navigator.credentials.create() of a new passkey (a session signed in or re-authenticated "
         "in the last minutes)", responses={200: CeremonyOut}, body_required=False, tags=TAGS)
@limit_options
@reauth_required
def registration_options():
    ceremony = passkeys.begin_registration(service_context(), signed_in_user())
    return CeremonyOut().dump({"options": ceremony.options, "flow": ceremony.flow})


@bp.post("/passkeys")
@api_doc("Register the passkey the authenticator made for those options; every address on file is told",
         body=RegisterBody, responses={201: PasskeyOut}, tags=TAGS)
@limit_changes
@reauth_required
def register():
    data = parse_json(RegisterBody())
    passkey = passkey_changes.add_passkey(service_context(), signed_in_user(), data["flow"], data["credential"],
                                          data["name"], client_signals())
    return PasskeyOut().dump(passkey), 201


@bp.get("/passkeys")
@api_doc("The caller's passkeys: names, when and where made and last used", responses={200: PasskeyListOut},
         tags=TAGS)
@login_required
def list_passkeys():
    return PasskeyListOut().dump({"passkeys": passkeys.list_passkeys(service_context(), signed_in_user())})


@bp.patch("/passkeys/<int:passkey_id>")
@api_doc("Rename one of the caller's passkeys; every address on file is told", body=RenameBody,
         responses={200: PasskeyOut}, tags=TAGS)
@limit_changes
@login_required
def rename(passkey_id: int):
    data = parse_json(RenameBody())
    return PasskeyOut().dump(passkeys.rename_passkey(service_context(), signed_in_user(), passkey_id, data["name"]))


@bp.delete("/passkeys/<int:passkey_id>")
@api_doc("Remove one of the caller's passkeys (re-authenticated); every address on file is told. Staff keep a "
         "second factor (and a passkey where the operator requires one)", responses={204: None}, errors=(403,),
         tags=TAGS)
@limit_changes
@reauth_required
def remove(passkey_id: int):
    passkey_changes.remove_passkey(service_context(), signed_in_user(), passkey_id)
    return "", 204
