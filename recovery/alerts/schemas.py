"""marshmallow schemas of the alert console and its API."""

from __future__ import annotations

from datetime import UTC

from marshmallow import EXCLUDE, Schema, fields, validate

from recovery.alerts.models import SEVERITIES, STATUSES
from recovery.numbers import Id
from recovery.outbox.schemas import shown_recipient


class _In(Schema):
    class Meta:
        unknown = EXCLUDE


class AlertQuery(_In):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    min_severity = fields.String(load_default=None, validate=validate.OneOf(SEVERITIES))
    rule = fields.String(load_default=None, validate=validate.Length(max=48))
    user = fields.String(load_default=None, validate=validate.Length(max=320))
    source = fields.String(load_default=None, validate=validate.Length(max=64))
    cursor = fields.String(load_default=None, validate=validate.Length(max=40))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ConsoleQuery(AlertQuery):
    """The console's filter form sends empty strings for "any"."""

    status = fields.String(load_default=None, validate=validate.OneOf(("", *STATUSES)))
    min_severity = fields.String(load_default=None, validate=validate.OneOf(("", *SEVERITIES)))


class ChangesQuery(ConsoleQuery):
    """What the console last drew: the newest and oldest alert ids it showed, and when (the server's clock)."""

    after = fields.Integer(required=True, validate=validate.Range(min=0, max=2**63 - 1))
    oldest = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**63 - 1))
    since = fields.AwareDateTime(required=True, default_timezone=UTC)


class AcknowledgeBody(_In):
    note = fields.String(load_default=None, validate=validate.Length(max=2000))
    assignee_id = Id(load_default=None)


class ResolveBody(_In):
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


class AlertOut(Schema):
    id = fields.Integer()
    rule = fields.String()
    severity = fields.String()
    status = fields.String()
    user_id = fields.Integer(allow_none=True)
    source = fields.String(allow_none=True)
    count = fields.Integer()
    first_seen_at = fields.DateTime()
    last_seen_at = fields.DateTime()
    assignee_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    acknowledged_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    evidence = fields.Function(lambda alert: alert.evidence.get("samples", []))


class AlertPageOut(Schema):
    alerts = fields.List(fields.Nested(AlertOut))
    next_cursor = fields.String(allow_none=True)


class WebhookBody(_In):
    url = fields.String(required=True, validate=validate.Length(min=8, max=2048))
    min_severity = fields.String(load_default="medium", validate=validate.OneOf(SEVERITIES))
    secret = fields.String(load_default=None)
    description = fields.String(load_default=None, validate=validate.Length(max=200))


class WebhookOut(Schema):
    id = fields.Integer()
    url = fields.Function(lambda sub: shown_recipient("webhook", sub.url))
    min_severity = fields.String()
    description = fields.String(allow_none=True)
    created_at = fields.DateTime()
    created_by = fields.Integer(allow_none=True)


class WebhookCreatedOut(WebhookOut):
    secret = fields.String(metadata={"description": "Shown this once: keep it to verify X-Recovery-Signature"})


class WebhookListOut(Schema):
    webhooks = fields.List(fields.Nested(WebhookOut))


class DeliveryOut(Schema):
    id = fields.Function(lambda d: d.delivery.id)
    alert_id = fields.Function(lambda d: d.delivery.alert_id)
    event = fields.Function(lambda d: d.delivery.event)
    created_at = fields.Function(lambda d: d.delivery.created_at.isoformat())
    status = fields.Function(lambda d: d.message.status if d.message else "pruned")
    attempts = fields.Function(lambda d: d.message.attempts if d.message else None)
    last_error = fields.Function(lambda d: d.message.last_error if d.message else None)
    next_attempt_at = fields.Function(
        lambda d: d.message.next_attempt_at.isoformat() if d.message and d.message.status == "queued" else None)
    sent_at = fields.Function(lambda d: d.message.sent_at.isoformat() if d.message and d.message.sent_at else None)


class DeliveryListOut(Schema):
    deliveries = fields.List(fields.Nested(DeliveryOut))
