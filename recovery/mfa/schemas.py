"""marshmallow schemas of the MFA pages and API: codes and passwords in, enrollment and recovery codes out."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from recovery.accounts.schemas import FormSchema
from recovery.errors import N_

_TOO_LONG = N_("This is too long.")


def _text(max_length: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=max_length, error=_TOO_LONG), **kwargs)


class CodeBody(Schema):
    code = _text(64, required=True, metadata={"description": "6 digits from the authenticator app"})


class CodeForm(CodeBody, FormSchema):
    pass


class SecondFactorForm(FormSchema):
    code = _text(64, required=True)
    next = _text(2048, load_default=None)


class ChangeBody(Schema):
    """Re-authentication for turning MFA off or replacing the authenticator: the password and a current factor."""

    password = _text(4096, required=True)
    code = _text(64, required=True, metadata={"description": "a TOTP or recovery code"})


class ChangeForm(ChangeBody, FormSchema):
    pass


class BeginBody(Schema):
    """Empty for a first enrollment; replacing an active authenticator needs the password and a current code."""

    password = _text(4096, load_default=None)
    code = _text(64, load_default=None)


class SheetForm(FormSchema):
    sheet = _text(8192, required=True)


# --- responses -------------------------------------------------------------------------------------------

class EnrollmentBody(Schema):
    secret = fields.String(required=True, metadata={"description": "base32, 160 bits; shown only while pending"})
    otpauth_uri = fields.String(required=True)
    qr_svg = fields.String(required=True, metadata={"description": "the URI as an SVG QR code"})
    expires_at = fields.DateTime(required=True, metadata={"description": "confirm a code before this"})


class RecoveryCodesBody(Schema):
    recovery_codes = fields.List(fields.String(), required=True,
                                 metadata={"description": "shown this once; empty when an authenticator was "
                                                          "replaced (the existing codes stay valid)"})


class MfaStatusBody(Schema):
    totp_enabled = fields.Boolean(required=True)
    enabled_at = fields.DateTime(allow_none=True)
    recovery_codes_remaining = fields.Integer(required=True)
    pending_expires_at = fields.DateTime(allow_none=True)


class DisabledBody(Schema):
    status = fields.String(required=True, metadata={"description": "`disabled`"})
