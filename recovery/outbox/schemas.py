"""marshmallow schemas of the outbox's staff page and API; the output schema is all staff ever see of a message.

Bodies are never dumped: an email body can hold a live reset or verification link, and a webhook URL can
carry its own secret in the path, so staff get the recipient (a webhook's origin only), template, subject
and delivery state.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from marshmallow import EXCLUDE, Schema, fields, validate

from recovery.outbox.models import STATUSES


class OutboxListQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    cursor = fields.String(load_default=None, validate=validate.Length(max=40))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


def shown_recipient(kind: str, recipient: str) -> str:
    if kind != "webhook":
        return recipient
    parts = urlsplit(recipient)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"  # no userinfo, path or query: they may be secret


class OutboxMessageOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    recipient = fields.Method("get_recipient")
    template = fields.String(allow_none=True)
    subject = fields.Method("get_subject", allow_none=True)
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime()
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    user_id = fields.Integer(allow_none=True)

    def get_recipient(self, message) -> str:
        return shown_recipient(message.kind, message.recipient)

    def get_subject(self, message) -> str | None:
        return (message.payload or {}).get("subject") if message.kind == "email" else None


class OutboxPageOut(Schema):
    messages = fields.List(fields.Nested(OutboxMessageOut))
    next_cursor = fields.String(allow_none=True)
