"""The outbox's SQL: which messages are due for a worker, and the staff listing with failed ones first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, or_, select

from recovery.outbox.models import OutboxMessage

# Staff read the list top-down: what needs a person first, then what is still moving, then history.
STATUS_RANK = case({"failed": 0, "sending": 1, "queued": 2, "sent": 3}, value=OutboxMessage.status, else_=4)


def due_condition(now: datetime) -> ColumnElement[bool]:
    """Queued and due, or claimed by a worker whose lease ran out (it crashed or hung)."""
    return or_(and_(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now),
               and_(OutboxMessage.status == "sending", OutboxMessage.locked_until < now))


def due_ids(now: datetime, limit: int, kinds: tuple[str, ...] | None = None) -> Select:
    # SKIP LOCKED (PostgreSQL) lets workers take disjoint batches without waiting on each other; SQLite
    # ignores it and serialises writers with BEGIN IMMEDIATE. The conditional UPDATE guards both.
    kind = OutboxMessage.kind.in_(kinds) if kinds is not None else and_(True)
    return (select(OutboxMessage.id).where(due_condition(now), kind)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
            .with_for_update(skip_locked=True))


def abandoned_condition(now: datetime, max_attempts: int) -> ColumnElement[bool]:
    """A lease that ran out during the last allowed attempt: the message fails instead of being retried."""
    return and_(OutboxMessage.status == "sending", OutboxMessage.locked_until < now,
                OutboxMessage.attempts >= max_attempts)


def owned_by(message_id: int, worker_id: str, attempts: int) -> ColumnElement[bool]:
    """The claim a worker made is still its own: (id, attempts) changes with every claim, so a worker whose
    lease expired and was reclaimed cannot overwrite the new owner's outcome."""
    return and_(OutboxMessage.id == message_id, OutboxMessage.status == "sending",
                OutboxMessage.locked_by == worker_id, OutboxMessage.attempts == attempts)


def staff_listing(*, status: str | None, after: tuple[int, int] | None, limit: int) -> Select:
    """Failed first, then newest first within a status; keyset on (status rank, id)."""
    query = select(OutboxMessage, STATUS_RANK.label("rank"))
    if status:
        query = query.where(OutboxMessage.status == status)
    if after is not None:
        rank, message_id = after
        query = query.where(or_(STATUS_RANK > rank, and_(STATUS_RANK == rank, OutboxMessage.id < message_id)))
    return query.order_by(STATUS_RANK, OutboxMessage.id.desc()).limit(limit)
