"""marshmallow schemas of passkeys: the ceremonies' bodies and answers, a passkey as the API lists it, and the
browser forms (whose `credential` is the authenticator's answer as JSON text, filled in by passkeys.js)."""

from __future__ import annotations

import json

from marshmallow import Schema, ValidationError, fields, validate

from recovery.errors import N_

MAX_CREDENTIAL_CHARS = 64 * 1024  # an answer is a few KB; a large user handle or credential id stays far below


class Credential(fields.Field):
    """The authenticator's answer (RegistrationResponseJSON or AuthenticationResponseJSON): a JSON object, or its
    text from a form; py_webauthn checks its inside."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value == "" and not self.required:  # a form's empty hidden field: no passkey was used
            return None
        if isinstance(value, str):
            if len(value) > MAX_CREDENTIAL_CHARS:
                raise ValidationError(N_("Your device's answer could not be read. Please try again."))
            try:
                value = json.loads(value)
            except ValueError:
                raise ValidationError(N_("Your device's answer could not be read. Please try again.")) from None
        if not isinstance(value, dict):
            raise ValidationError(N_("Your device's answer could not be read. Please try again."))
        return value


def _flow() -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=128),
                         metadata={"description": "the `flow` the options came with"})


def _credential(kind: str) -> Credential:
    return Credential(required=True, metadata={"description": f"the browser's {kind} in the WebAuthn JSON form "
                                               "(PublicKeyCredential.toJSON())", "type": "object"})


def _name(required: bool) -> fields.String:
    return fields.String(required=required, load_default="", validate=validate.Length(max=100),
                         metadata={"description": "what the account holder calls it (\"Work laptop\")"})


class CeremonyOut(Schema):
    options = fields.Dict(required=True, metadata={"description": "PublicKeyCredentialCreationOptions or "
                                                   "PublicKeyCredentialRequestOptions in the WebAuthn JSON form"})
    flow = fields.String(required=True, metadata={"description": "opaque id of the pending ceremony (5 minutes, "
                                                  "used once)"})


class RegisterBody(Schema):
    flow = _flow()
    credential = _credential("RegistrationResponseJSON")
    name = _name(False)


class AuthenticationOptionsBody(Schema):
    email = fields.String(load_default="", validate=validate.Length(max=320), metadata={
        "description": "optional; the options never depend on it (every passkey here is discoverable), so they "
                       "tell nothing about whether an account exists"})


class AssertionBody(Schema):
    flow = _flow()
    credential = _credential("AuthenticationResponseJSON")


class RenameBody(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class PasskeyOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    created_device = fields.String(required=True)
    created_place = fields.String(required=True)
    last_used_at = fields.DateTime(allow_none=True)
    last_used_device = fields.String(required=True)
    last_used_place = fields.String(required=True)
    synced = fields.Boolean(attribute="backup_eligible", required=True,
                            metadata={"description": "a multi-device (synced) passkey"})
    user_verified = fields.Boolean(required=True, metadata={"description": "the authenticator verified its user "
                                                            "(PIN, biometrics) the last time"})


class PasskeyListOut(Schema):
    passkeys = fields.List(fields.Nested(PasskeyOut), required=True)


# --- browser forms ---------------------------------------------------------------------------------------

class RegisterForm(RegisterBody):
    pass


class AssertionForm(AssertionBody):
    next = fields.String(load_default="", validate=validate.Length(max=2000))


class RenameForm(RenameBody):
    pass
