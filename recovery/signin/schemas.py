"""marshmallow schemas of the sign-in API: the bodies sent, and what each step answers."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from recovery.accounts.schemas import Credentials
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
    mfa_token = fields.String(required=True, validate=validate.Length(max=128))
    code = fields.String(required=True, validate=validate.Length(max=64),
                         metadata={"description": "a TOTP or recovery code"})
