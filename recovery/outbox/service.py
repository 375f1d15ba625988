"""Queueing emails and webhooks in the caller's transaction; staff retry of failed ones (delivery: outbox.delivery)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select, update

from recovery.context import ServiceContext
from recovery.db import rowcount
from recovery.errors import N_, Conflict, NotFound
from recovery.events.service import InvalidCursor, record_event
from recovery.numbers import INT32_MAX, parse_id, parse_int
from recovery.observability.logs import current_request_id
from recovery.outbox import queries
from recovery.outbox.models import OutboxMessage


def queue_email(ctx: ServiceContext, *, to: str, template: str, locale: str | None = None,
                user_id: int | None = None, idempotency_key: str | None = None, **context: object
                ) -> OutboxMessage:
    """Render `templates/email/<template>/` now, in the recipient's language, and queue it for delivery.

    Rendering at queue time freezes what the user is told at the moment of the change; the worker only sends.
    """
    rendered = ctx.compose_email(template, locale or ctx.locale, **context)
    message = OutboxMessage(
        kind="email", idempotency_key=idempotency_key or uuid.uuid4().hex, recipient=to, template=template,
        payload={"subject": rendered.subject, "text": rendered.text, "html": rendered.html},
        user_id=user_id, status="queued", attempts=0, next_attempt_at=ctx.clock.now(),
        created_at=ctx.clock.now(), request_id=current_request_id())
    ctx.session.add(message)
    return message


def queue_webhook(ctx: ServiceContext, *, url: str, body: dict, secret_ref: str | None = None,
                  idempotency_key: str | None = None) -> OutboxMessage:
    """Queue a JSON POST; `secret_ref` names the subscription whose secret signs it at delivery time."""
    message = OutboxMessage(
        kind="webhook", idempotency_key=idempotency_key or uuid.uuid4().hex, recipient=url, template=None,
        payload={"body": body, "secret_ref": secret_ref}, status="queued", attempts=0,
        next_attempt_at=ctx.clock.now(), created_at=ctx.clock.now(), request_id=current_request_id())
    ctx.session.add(message)
    return message


# -- staff: seeing and retrying what did not go out ------------------------------------------------------


class NotRetryable(Conflict):
    code = "not_retryable"
    message = N_("Only a failed message can be retried.")


@dataclass(frozen=True)
class MessagePage:
    messages: list[OutboxMessage]
    next_cursor: str | None


def list_messages(ctx: ServiceContext, *, status: str | None = None, cursor: str | None = None,
                  limit: int = 50) -> MessagePage:
    """Messages for staff, failed ones first; `cursor` continues from the previous page's next_cursor."""
    rows = ctx.session.execute(queries.staff_listing(status=status, after=_decode_cursor(cursor),
                                                     limit=limit + 1)).all()
    page = rows[:limit]
    next_cursor = f"{page[-1].rank}.{page[-1].OutboxMessage.id}" if len(rows) > limit else None
    return MessagePage([row.OutboxMessage for row in page], next_cursor)


def _decode_cursor(cursor: str | None) -> tuple[int, int] | None:
    if not cursor:
        return None
    rank_text, _, id_text = cursor.partition(".")
    rank, message_id = parse_int(rank_text, high=INT32_MAX), parse_id(id_text, big=True)
    if rank is None or message_id is None:
        raise InvalidCursor()
    return rank, message_id


def messages_by_id(ctx: ServiceContext, message_ids: Collection[int]) -> dict[int, OutboxMessage]:
    """The messages still kept among `message_ids` (a pruned one is absent), by id: one indexed read."""
    if not message_ids:
        return {}
    found = ctx.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(set(message_ids))))
    return {message.id: message for message in found}


def get_message(ctx: ServiceContext, message_id: int) -> OutboxMessage:
    message = ctx.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound()
    return message


def retry_message(ctx: ServiceContext, message_id: int) -> OutboxMessage:
    """Staff put a failed message back in the queue with a fresh set of attempts."""
    message = get_message(ctx, message_id)
    previous_attempts, last_error = message.attempts, message.last_error
    # Conditional, so two staff members clicking Retry at once queue the message once.
    result = ctx.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == "failed")
        .values(status="queued", attempts=0, next_attempt_at=ctx.clock.now(), locked_by=None,
                locked_until=None).execution_options(synchronize_session=False))
    if rowcount(result) != 1:
        raise NotRetryable()
    ctx.session.refresh(message)
    record_event(ctx, "outbox.message.retried", user_id=message.user_id, message_id=message.id,
                 kind=message.kind, template=message.template, previous_attempts=previous_attempts,
                 last_error=last_error)
    ctx.session.flush()
    return message
