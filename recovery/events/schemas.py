"""marshmallow schemas of the event log's filters (staff page and API) and of an event as the API shows it."""

from __future__ import annotations

from datetime import UTC

from marshmallow import EXCLUDE, Schema, fields, validate


class EventQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    type_prefix = fields.String(data_key="type", load_default=None, validate=validate.Length(max=64))
    user = fields.String(load_default=None, validate=validate.Length(max=320))
    since = fields.AwareDateTime(load_default=None, default_timezone=UTC)
    cursor = fields.String(load_default=None, validate=validate.Length(max=200))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class EventOut(Schema):
    id = fields.Integer(attribute="event.id")
    type = fields.String(attribute="event.type")
    user_id = fields.Integer(attribute="event.user_id", allow_none=True)
    user_email = fields.String(allow_none=True)
    actor_type = fields.String(attribute="event.actor_type")
    actor_id = fields.Integer(attribute="event.actor_id", allow_none=True)
    actor_email = fields.String(allow_none=True)
    ip = fields.String(attribute="event.ip", allow_none=True)
    user_agent = fields.String(attribute="event.user_agent", allow_none=True)
    details = fields.Dict(attribute="event.details")
    created_at = fields.DateTime(attribute="event.created_at")


class OwnEventOut(Schema):
    """An event as its account holder reads it (events/owner.py): no staff IP, browser, identity or notes.
    `label`, `sentence` ("You signed in", "Our support team denied your appeal") and `actor_label` are the
    translated words; `type` and `actor` stay for programs."""

    id = fields.Integer()
    type = fields.String()
    label = fields.String()
    sentence = fields.String()
    actor = fields.String()
    actor_label = fields.String()
    ip = fields.String(allow_none=True)
    device = fields.String(allow_none=True)
    request_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class EventPageOut(Schema):
    events = fields.List(fields.Nested(EventOut))
    next_cursor = fields.String(allow_none=True)


class OwnEventPageOut(Schema):
    events = fields.List(fields.Nested(OwnEventOut))
    next_cursor = fields.String(allow_none=True)


# What GET /api/v1/events answers: staff get EventPageOut, everyone else OwnEventPageOut (for the document).
EVENTS_RESPONSE = {"application/json": {"anyOf": [EventPageOut, OwnEventPageOut]}}
