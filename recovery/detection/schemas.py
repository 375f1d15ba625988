"""marshmallow schemas of detection's pages and API."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from recovery.passkeys.schemas import Credential


class _Form(Schema):
    class Meta:
        unknown = EXCLUDE


class EmailForm(_Form):
    email = fields.String(required=True, validate=validate.Length(min=3, max=320))


class SecurePasswordForm(_Form):
    password = fields.String(required=True, validate=validate.Length(max=1024))
    code = fields.String(load_default=None, validate=validate.Length(max=32))
    flow = fields.String(load_default=None, validate=validate.Length(max=128))  # a passkey instead of the code
    credential = Credential(load_default=None)


class StepUpForm(_Form):
    code = fields.String(required=True, validate=validate.Length(min=1, max=16))


class StepUpBody(_Form):
    step_up_token = fields.String(required=True, validate=validate.Length(min=1, max=128))
    code = fields.String(required=True, validate=validate.Length(min=1, max=16))


class StepUpRequiredOut(Schema):
    step_up_required = fields.Boolean()
    step_up_token = fields.String()
    method = fields.String(metadata={"description": "email_code: POST it with the code to /api/v1/sessions/step-up"})


class SessionTokenOut(Schema):
    session_token = fields.String()


class SigninOut(Schema):
    id = fields.Integer()
    at = fields.DateTime(attribute="created_at")
    stage = fields.String()
    outcome = fields.String()
    ip = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    asn = fields.String(allow_none=True)
    browser = fields.String(allow_none=True)
    os = fields.String(allow_none=True)
    score = fields.Integer(allow_none=True)
    action = fields.String(allow_none=True)
    reasons = fields.List(fields.String())


class DeviceOut(Schema):
    id = fields.Integer()
    browser = fields.String(allow_none=True)
    os = fields.String(allow_none=True)
    last_ip = fields.String(allow_none=True)
    last_country = fields.String(allow_none=True)
    last_city = fields.String(allow_none=True)
    confirmed = fields.Function(lambda device: device.confirmed_at is not None)
    first_seen_at = fields.DateTime()
    last_seen_at = fields.DateTime()


class SecurityOut(Schema):
    signins = fields.List(fields.Nested(SigninOut))
    devices = fields.List(fields.Nested(DeviceOut))


class SecuredOut(Schema):
    ticket_id = fields.Integer()
    status_link = fields.String()
    account_status = fields.String()
