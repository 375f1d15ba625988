"""Recording and reading security events; every capability calls record_event in its own transaction."""

from __future__ import annotations

from sqlalchemy import select

from recovery.context import Actor, ServiceContext
from recovery.events.models import SecurityEvent

# Keys that must never reach the log, whatever a caller passes in details.
_SECRET_KEYS = {"password", "token", "code", "secret", "session_token", "mfa_token", "recovery_code"}


def _scrub(details: dict) -> dict:
    return {k: ("[redacted]" if k.lower() in _SECRET_KEYS else v) for k, v in details.items()}


def record_event(ctx: ServiceContext, type: str, *, user_id: int | None, actor: Actor | None = None,
                 **details: object) -> SecurityEvent:
    """Add one event to the session (committed with the caller's change); returns it unflushed."""
    actor = actor or ctx.actor
    event = SecurityEvent(type=type, user_id=user_id, actor_type=actor.type, actor_id=actor.id,
                          ip=actor.ip, user_agent=(actor.user_agent or "")[:512] or None,
                          details=_scrub(details), created_at=ctx.clock.now())
    ctx.session.add(event)
    return event


def recent_events_for_user(ctx: ServiceContext, user_id: int, limit: int = 50) -> list[SecurityEvent]:
    query = (select(SecurityEvent).where(SecurityEvent.user_id == user_id)
             .order_by(SecurityEvent.created_at.desc(), SecurityEvent.id.desc()).limit(limit))
    return list(ctx.session.scalars(query))
