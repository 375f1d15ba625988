"""marshmallow schemas of the reset pages and API (shape and format; the password rules live in the service)."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

from recovery.emails import email_problem, normalise_email
from recovery.errors import N_
from recovery.passkeys.schemas import Credential

_TOO_LONG = N_("This is too long.")
_REQUIRED: dict[str, Any] = {"required": N_("This field is required.")}


class ResetRequest(Schema):
    email = fields.String(required=True, error_messages=_REQUIRED,
                          validate=validate.Length(max=1024, error=_TOO_LONG))

    @validates("email")
    def _email_format(self, value: str, **_kwargs) -> None:
        problem = email_problem(normalise_email(value))
        if problem:
            raise ValidationError(problem)


def _password() -> fields.String:
    return fields.String(required=True, error_messages=_REQUIRED, validate=validate.Length(max=4096, error=_TOO_LONG))


def _code() -> fields.String:
    """A TOTP or recovery code, only asked for when the account has a second factor."""
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64, error=_TOO_LONG))


def _flow() -> fields.String:
    return fields.String(load_default=None, validate=validate.Length(max=128, error=_TOO_LONG),
                         metadata={"description": "with `credential`: a passkey as the second factor, answering "
                                                  "POST /api/v1/passkeys/authentication-options"})


def _credential() -> Credential:
    return Credential(load_default=None, metadata={"description": "AuthenticationResponseJSON", "type": "object"})


class ResetConfirm(Schema):
    token = fields.String(required=True, error_messages=_REQUIRED,
                          validate=validate.Length(max=1024, error=_TOO_LONG))
    password = _password()
    code = _code()
    flow = _flow()
    credential = _credential()


class _Form(Schema):
    class Meta:
        unknown = EXCLUDE  # the submit button and other extras


class ResetRequestForm(ResetRequest, _Form):
    pass


class NewPasswordForm(_Form):
    """The browser form: the token travels in the reset cookie, not in the form."""

    password = _password()
    code = _code()
    flow = _flow()
    credential = _credential()


class ResetAccepted(Schema):
    status = fields.String(required=True, metadata={"example": "accepted"})
    message = fields.String(required=True)


class ResetDone(Schema):
    status = fields.String(required=True, metadata={"example": "password_reset"})
    sessions_revoked = fields.Integer(required=True)
