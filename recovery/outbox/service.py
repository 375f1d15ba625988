"""Queueing outbox messages in the caller's transaction; delivery lives in outbox.delivery."""

from __future__ import annotations

import uuid

from recovery.context import ServiceContext
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
        created_at=ctx.clock.now())
    ctx.session.add(message)
    return message


def queue_webhook(ctx: ServiceContext, *, url: str, body: dict, secret_ref: str | None = None,
                  idempotency_key: str | None = None) -> OutboxMessage:
    """Queue a JSON POST; `secret_ref` names the subscription whose secret signs it at delivery time."""
    message = OutboxMessage(
        kind="webhook", idempotency_key=idempotency_key or uuid.uuid4().hex, recipient=url, template=None,
        payload={"body": body, "secret_ref": secret_ref}, status="queued", attempts=0,
        next_attempt_at=ctx.clock.now(), created_at=ctx.clock.now())
    ctx.session.add(message)
    return message
