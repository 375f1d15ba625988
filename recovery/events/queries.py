"""The security event log's SQL: a filtered, newest-first page with keyset pagination on (created_at, id)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import aliased

from recovery.accounts.models import User
from recovery.events.models import SecurityEvent


def event_page(*, type_prefix: str | None, user_id: int | None, since: datetime | None,
               before: tuple[datetime, int] | None, limit: int, hidden: Collection[str] = ()) -> Select:
    """Events with the subject user's and the actor's email and role; `before` is the last (created_at, id)
    shown; `hidden` types are left out."""
    subject, actor = aliased(User), aliased(User)
    query = (select(SecurityEvent, subject.email.label("user_email"), actor.email.label("actor_email"),
                    actor.role.label("actor_role"))
             .outerjoin(subject, subject.id == SecurityEvent.user_id)
             .outerjoin(actor, and_(actor.id == SecurityEvent.actor_id, SecurityEvent.actor_type != "system")))
    if type_prefix:
        query = query.where(SecurityEvent.type.startswith(type_prefix, autoescape=True))
    if hidden:
        query = query.where(SecurityEvent.type.not_in(sorted(hidden)))
    if user_id is not None:
        query = query.where(SecurityEvent.user_id == user_id)
    if since is not None:
        query = query.where(SecurityEvent.created_at >= since)
    if before is not None:
        at, event_id = before
        query = query.where(or_(SecurityEvent.created_at < at,
                                and_(SecurityEvent.created_at == at, SecurityEvent.id < event_id)))
    return query.order_by(SecurityEvent.created_at.desc(), SecurityEvent.id.desc()).limit(limit)


def user_id_by_email(email: str) -> Select:
    return select(User.id).where(User.email == email)
