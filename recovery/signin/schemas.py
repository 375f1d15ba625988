"""marshmallow schemas of the sign-in API: the bodies sent, and what each step answers."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from recovery.accounts.schemas import Credentials
from recovery.errors import N_
from recovery.passkeys.schemas import Credential
from recovery.sessions.schemas import SessionBody


class SignInBody(Credentials):
    pass


class SessionCreatedBody(Schema):
    session_token = fields.String(required=True, metadata={"description": "send as `Authorization: Bearer`"})
    session = fields.Nested(SessionBody, required=True)


class MfaRequiredBody(Schema):
    """The password was right and the account has MFA: no session yet, a code must follow."""

    mfa_required = fields.Boolean(required=True, metadata={"description": "always true"})
    mfa_token = fields.String(required=True, metadata={"description": "send to POST /api/v1/sessions/mfa"})
    expires_at = fields.DateTime(required=True)


class MfaSignInBody(Schema):
    """A code, or a passkey's answer (`flow` from POST /api/v1/passkeys/authentication-options, `credential`)."""

    mfa_token = fields.String(required=True, validate=validate.Length(max=128))
    code = fields.String(validate=validate.Length(max=64), metadata={"description": "a TOTP or recovery code"})
    flow = fields.String(validate=validate.Length(min=1, max=128),
                         metadata={"description": "with `credential`: a passkey as the second factor"})
    credential = Credential(metadata={"description": "AuthenticationResponseJSON (PublicKeyCredential.toJSON())",
                                      "type": "object"})

    @validates_schema
    def _one_factor(self, data: dict, **_kwargs) -> None:
        passkey = "flow" in data or "credential" in data
        if passkey and not ("flow" in data and "credential" in data):
            raise ValidationError(N_("Send both flow and credential for a passkey."), "credential")
        if passkey == ("code" in data):
            raise ValidationError(N_("Send a code, or a passkey's flow and credential."), "code")
