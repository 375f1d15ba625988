"""marshmallow schemas of the sessions API: a session as its owner (or staff) sees it (signing in: recovery.signin)."""

from __future__ import annotations

from datetime import timedelta

from marshmallow import Schema, fields


class SessionBody(Schema):
    """A session without its secret; `current` marks the one making the request."""

    id = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "`browser` or `api`"})
    created_at = fields.DateTime(required=True)
    last_seen_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True, metadata={"description": "absolute end"})
    idle_expires_at = fields.Method("_idle_end", metadata={"description": "end if unused until then"})
    ip = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    mfa_passed = fields.Boolean(required=True)
    current = fields.Method("_is_current")

    def __init__(self, *args, current_id: str | None = None, idle_minutes: int = 60, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.current_id = current_id
        self.idle = timedelta(minutes=idle_minutes)

    def _idle_end(self, session) -> str:
        return min(session.last_seen_at + self.idle, session.expires_at).isoformat()

    def _is_current(self, session) -> bool:
        return session.id == self.current_id


class SessionListBody(Schema):
    sessions = fields.List(fields.Nested(SessionBody), required=True)


class RevokedBody(Schema):
    revoked = fields.Integer(required=True, metadata={"description": "how many sessions were ended"})
