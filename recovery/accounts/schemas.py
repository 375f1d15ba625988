"""marshmallow schemas of the accounts pages and API: what comes in (shape only; the rules live in the service)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from recovery.accounts.models import STATUSES
from recovery.errors import N_
from recovery.times import canonical_zone, is_time_zone

# Generous caps that only keep absurd input away from the service; the real rules give better messages.
_TOO_LONG = N_("This is too long.")


def _text(max_length: int = 4096, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=max_length, error=_TOO_LONG), **kwargs)


class FormSchema(Schema):
    """Browser forms carry extras (the submit button, `next`) that are simply ignored."""

    class Meta:
        unknown = EXCLUDE


class Credentials(Schema):
    email = _text(1024, required=True)
    password = _text(required=True)


class SignUpForm(Credentials, FormSchema):
    pass


class SignInForm(Credentials, FormSchema):
    next = _text(2048, load_default=None)


class VerifyEmailBody(Schema):
    email = _text(1024, required=True)
    code = _text(64, required=True)
    password = _text(required=True)  # the one chosen at sign-up: the verifier is the creator


class VerifyEmailForm(VerifyEmailBody, FormSchema):
    pass


class EmailBody(Schema):
    email = _text(1024, required=True)


class EmailForm(EmailBody, FormSchema):
    pass


class ReauthForm(FormSchema):
    password = _text(required=True)
    next = _text(2048, load_default=None)


class ChangePasswordForm(FormSchema):
    current_password = _text(required=True)
    new_password = _text(required=True)


class ContactVerifyForm(FormSchema):
    email = _text(1024, required=True)
    code = _text(64, required=True)


class StatusBody(Schema):
    status = fields.String(required=True, validate=validate.OneOf(
        STATUSES, error=N_("Choose one of: active, locked, suspended, banned.")))
    reason = _text(500, required=True)


class StatusForm(StatusBody, FormSchema):
    pass


class StaffLookupQuery(FormSchema):
    email = _text(1024, load_default="")


# --- responses -------------------------------------------------------------------------------------------

class AcceptedBody(Schema):
    status = fields.String(required=True, metadata={"description": "always `accepted`: the answer never says "
                                                                   "whether the address had an account"})
    message = fields.String(required=True)


class VerifiedBody(Schema):
    status = fields.String(required=True, metadata={"description": "`verified`"})
    email = fields.String(required=True)


class TimeZoneForm(FormSchema):
    """A time zone, chosen on the security page or reported by the browser: an IANA name zoneinfo knows."""

    time_zone = fields.String(required=True, validate=lambda value: _known_zone(value))

    @post_load
    def current_name(self, data: dict, **_kwargs) -> dict:
        return {**data, "time_zone": canonical_zone(data["time_zone"])}


def _known_zone(value: str) -> None:
    """zoneinfo's database decides, so a name is checked against the zones this system can convert to."""
    if not is_time_zone(value):
        raise ValidationError(N_("Choose a time zone from the list."))


class _AccountFields(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    email_verified = fields.Boolean(attribute="is_verified", required=True)
    role = fields.String(required=True)
    status = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class MeBody(_AccountFields):
    locale = fields.String(required=True)
    time_zone = fields.String(allow_none=True)
    notification_addresses = fields.List(fields.String(), required=True)


class AccountBody(_AccountFields):
    """An account as staff see it: never a password or hash."""

    status_reason = fields.String(allow_none=True)
    status_changed_at = fields.DateTime(allow_none=True)
