"""Delivering due outbox messages: claim in one short transaction, send outside it, then record the outcome.

```mermaid
stateDiagram-v2
    [*] --> queued: queue_email / queue_webhook, in the caller's transaction
    queued --> sending: claimed by a worker (lease of outbox_lease_seconds, attempts + 1)
    sending --> sent: the transport accepted it
    sending --> queued: retryable error and attempts < outbox_max_attempts (backoff with jitter)
    sending --> failed: permanent error, or the last attempt failed
    sending --> sending: renewed before a send; or the lease ran out (worker died) and another worker reclaims it
    failed --> queued: staff retry (retry_message)
```

Sending happens outside any database transaction, so a slow SMTP server never holds a row lock. A lease never
runs out under a live worker: before each send the worker renews the batch's lease whenever less than twice
that send's deadline is left (transports bound a whole send: recovery.outbox.transports.watchdog), and skips a
message whose lease another worker took meanwhile. A crash between send and mark means the message is sent
again after the lease: every message carries its idempotency key (Message-ID and X-Recovery-Idempotency-Key
for email, Idempotency-Key and X-Recovery-Delivery for webhooks) so the receiver can drop it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, or_, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from recovery.context import Actor, ServiceContext
from recovery.db import rowcount
from recovery.events.service import record_event
from recovery.observability.logs import log_fields
from recovery.observability.metrics import count_delivery, observe_webhook
from recovery.outbox import queries
from recovery.outbox.models import OutboxMessage
from recovery.outbox.tasks import TASK_KIND, find_task, task_actor
from recovery.outbox.transports import build_transports
from recovery.outbox.transports.base import DeliveryError, OutgoingMessage, Transport, send_deadline
from recovery.runtime import Runtime
from recovery.settings import Settings
from recovery.web.context import app_service_context

log = logging.getLogger(__name__)
WORKER_ACTOR = Actor("system", None, None, "outbox-worker")
_ERROR_LIMIT = 500


@dataclass(frozen=True)
class Claim:
    message: OutgoingMessage
    attempts: int  # after this claim; with the worker id it identifies the claim
    user_id: int | None
    template: str | None
    leased_until: datetime
    request_id: str | None = None  # of the request that queued it: the lines logged for it carry it


def deliver_due(target, *, batch_size: int = 50, worker_id: str = "worker",
                transports: Mapping[str, Transport] | None = None,
                should_stop: Callable[[], bool] | None = None, kinds: tuple[str, ...] | None = None) -> int:
    """Claim up to batch_size due messages for `worker_id`, send each, record each outcome; returns the count.

    `target` is the Flask app or its Runtime; `transports` replaces the ones settings choose (tests, tools).
    When `should_stop()` turns true mid-batch, the claims not yet sent are handed back at once. `kinds`
    limits the claim to some kinds ("task", "email", "webhook"); by default every kind.
    """
    rt: Runtime = target if isinstance(target, Runtime) else target.extensions["recovery"]
    app = None if isinstance(target, Runtime) else target  # tasks run with the app (emails, links)
    transports = transports if transports is not None else build_transports(rt)
    worker_id = worker_id[:64]
    claims = claim_due(rt, batch_size=batch_size, worker_id=worker_id, kinds=kinds)
    pending, done = claims, 0
    try:
        while pending:
            if should_stop is not None and should_stop():
                _release(rt, pending, worker_id)
                return done
            pending = hold_leases(rt, pending, worker_id, send_deadline(transports.get(pending[0].message.kind)))
            if pending:
                claim = pending[0]
                with log_fields(request_id=claim.request_id, outbox_message=claim.message.id,
                                outbox_kind=claim.message.kind, user_id=claim.user_id):
                    _deliver_one(rt, transports, claim, worker_id, app)
                pending = pending[1:]
            done += 1
        return len(claims)
    finally:
        _close(transports)


def hold_leases(rt: Runtime, pending: list[Claim], worker_id: str, deadline: float) -> list[Claim]:
    """Before sending pending[0] (which may take `deadline` seconds): renew the lease of every pending claim when
    less than twice that is left, and drop the claims another worker reclaimed meanwhile (a paused worker)."""
    now = rt.clock.now()
    if pending[0].leased_until - now >= timedelta(seconds=2 * deadline) and pending[0].leased_until > now:
        return pending
    until = now + timedelta(seconds=rt.settings.outbox_lease_seconds)
    table = cast(Table, OutboxMessage.__table__)  # typed FromClause on the declarative base
    owned = or_(*(queries.owned_by(claim.message.id, worker_id, claim.attempts) for claim in pending))
    with rt.db.transaction() as session:
        held = set(session.scalars(update(table).where(owned).values(locked_until=until).returning(table.c.id)))
    for claim in pending:
        if claim.message.id not in held:
            log.warning("outbox message %s: its lease passed to another worker before it was sent; skipped here",
                        claim.message.id)
    return [replace(claim, leased_until=until) for claim in pending if claim.message.id in held]


def _close(transports: Mapping[str, Transport]) -> None:
    """End what a transport kept open for the batch (an SMTP connection); never fails the batch."""
    for transport in transports.values():
        close = getattr(transport, "close", None)
        if close is None:
            continue
        try:
            close()
        except Exception:
            log.exception("closing the %s transport failed", type(transport).__name__)


def claim_due(rt: Runtime, *, batch_size: int, worker_id: str, kinds: tuple[str, ...] | None = None) -> list[Claim]:
    """One short transaction: mark due messages `sending` for this worker with a lease, and return them."""
    now = rt.clock.now()
    until = now + timedelta(seconds=rt.settings.outbox_lease_seconds)
    table = cast(Table, OutboxMessage.__table__)  # typed FromClause on the declarative base
    with rt.db.transaction() as session:
        _fail_abandoned(rt, session, now)
        ids = list(session.scalars(queries.due_ids(now, batch_size, kinds)))
        if not ids:
            return []
        # Conditional: a row another worker claimed since the SELECT no longer matches and is not returned.
        claimed = session.execute(
            update(table).where(table.c.id.in_(ids), queries.due_condition(now))
            .values(status="sending", locked_by=worker_id, attempts=table.c.attempts + 1, locked_until=until)
            .returning(table.c.id, table.c.kind, table.c.recipient, table.c.idempotency_key, table.c.payload,
                       table.c.attempts, table.c.user_id, table.c.template, table.c.request_id)).all()
    claims = [Claim(OutgoingMessage(row.id, row.kind, row.recipient, row.idempotency_key, dict(row.payload)),
                    row.attempts, row.user_id, row.template, until, row.request_id) for row in claimed]
    return sorted(claims, key=lambda c: c.message.id)


def _release(rt: Runtime, claims: list[Claim], worker_id: str) -> None:
    """Give back claims that were never tried (the worker is stopping); they do not count as attempts."""
    with rt.db.transaction() as session:
        for claim in claims:
            session.execute(
                update(OutboxMessage).where(queries.owned_by(claim.message.id, worker_id, claim.attempts))
                .values(status="queued", attempts=claim.attempts - 1, locked_by=None, locked_until=None)
                .execution_options(synchronize_session=False))


def _fail_abandoned(rt: Runtime, session: Session, now: datetime) -> None:
    """A worker died during the last allowed attempt: fail the message rather than try beyond the limit."""
    table = cast(Table, OutboxMessage.__table__)  # typed FromClause on the declarative base
    rows = session.execute(
        update(table).where(queries.abandoned_condition(now, rt.settings.outbox_max_attempts))
        .values(status="failed", locked_by=None, locked_until=None,
                last_error="the worker stopped during the final attempt")
        .returning(table.c.id, table.c.user_id, table.c.kind, table.c.template)).all()
    for row in rows:
        _record_failed_event(rt, session, row.id, row.user_id, row.kind, row.template)


def _deliver_one(rt: Runtime, transports: Mapping[str, Transport], claim: Claim, worker_id: str, app) -> None:
    if claim.message.kind == TASK_KIND:
        _run_task(rt, app, claim, worker_id)
        return
    transport = transports.get(claim.message.kind)
    started = time.perf_counter()
    try:
        if transport is None:
            raise DeliveryError(f"no transport for kind {claim.message.kind!r}", retryable=False)
        transport.send(claim.message)
    except DeliveryError as error:
        _observe_send(claim, started, "error")
        _record_failure(rt, claim, worker_id, str(error), retryable=error.retryable)
    except Exception as error:  # a transport bug must neither stop the batch nor lose the message
        _observe_send(claim, started, "error")
        log.exception("outbox message %s: unexpected error while sending", claim.message.id)
        _record_failure(rt, claim, worker_id, f"unexpected error: {type(error).__name__}", retryable=True)
    else:
        _observe_send(claim, started, "sent")
        _record_sent(rt, claim, worker_id)
        count_delivery(claim.message.kind, "sent")
        log.info("outbox message %s (%s) sent on attempt %s", claim.message.id, claim.message.kind, claim.attempts)


def _observe_send(claim: Claim, started: float, result: str) -> None:
    if claim.message.kind == "webhook":
        observe_webhook(time.perf_counter() - started, result)


def _run_task(rt: Runtime, app, claim: Claim, worker_id: str) -> None:
    """Run a queued task and mark it done in one transaction: its effects happen once, or not at all."""
    name, payload = claim.message.recipient, claim.message.payload
    task = find_task(name)
    if task is None or app is None:
        _record_failure(rt, claim, worker_id, f"no task named {name!r}" if task is None else
                        "tasks run only with the app (deliver_due(app, ...))", retryable=False)
        return
    try:
        with app.app_context(), rt.db.transaction() as session:
            done = session.execute(
                update(OutboxMessage).where(queries.owned_by(claim.message.id, worker_id, claim.attempts))
                .values(status="sent", sent_at=rt.clock.now(), locked_by=None, locked_until=None, last_error=None,
                        payload={"task": name}).execution_options(synchronize_session=False))
            if rowcount(done) != 1:  # the lease passed to another worker, which runs it
                return
            ctx = app_service_context(app, session, task_actor(payload))
            ctx.locale = payload.get("locale") or ctx.locale
            task(ctx, payload.get("args") or {})
        count_delivery(TASK_KIND, "sent")
        log.info("outbox task %s (%s) done", claim.message.id, name)
    except Exception as error:  # rolled back: retried like an undelivered message, then failed for staff
        log.exception("outbox task %s (%s) failed", claim.message.id, name)
        _record_failure(rt, claim, worker_id, f"task failed: {type(error).__name__}", retryable=True)


def _record_sent(rt: Runtime, claim: Claim, worker_id: str) -> None:
    payload = claim.message.payload
    if claim.message.kind == "email":
        # The body may hold a live reset or verification link: once delivered, keep only the subject.
        payload = {"subject": payload.get("subject", "")}
    def mark_sent(session: Session) -> int:
        return rowcount(session.execute(
            update(OutboxMessage).where(queries.owned_by(claim.message.id, worker_id, claim.attempts))
            .values(status="sent", sent_at=rt.clock.now(), locked_by=None, locked_until=None, last_error=None,
                    payload=payload).execution_options(synchronize_session=False)))

    if _write_outcome(rt, mark_sent) != 1:
        log.warning("outbox message %s was sent after its lease passed to another worker", claim.message.id)


def _record_failure(rt: Runtime, claim: Claim, worker_id: str, error: str, *, retryable: bool) -> None:
    settings = rt.settings
    final = not retryable or claim.attempts >= settings.outbox_max_attempts
    now = rt.clock.now()
    values: dict = {"last_error": error[:_ERROR_LIMIT], "locked_by": None, "locked_until": None}
    if final:
        values["status"] = "failed"
    else:
        delay = backoff_seconds(settings, claim.attempts, _random_fraction(rt))
        values.update(status="queued", next_attempt_at=now + timedelta(seconds=delay))
    def mark_failed(session: Session) -> int:
        done = rowcount(session.execute(
            update(OutboxMessage).where(queries.owned_by(claim.message.id, worker_id, claim.attempts))
            .values(**values).execution_options(synchronize_session=False)))
        if done == 1 and final:
            _record_failed_event(rt, session, claim.message.id, claim.user_id, claim.message.kind, claim.template)
        return done

    _write_outcome(rt, mark_failed)
    count_delivery(claim.message.kind, "failed" if final else "retry")
    log.info("outbox message %s attempt %s failed (%s): %s", claim.message.id, claim.attempts,
             "final" if final else "will retry", error[:_ERROR_LIMIT])


def _write_outcome(rt: Runtime, write: Callable[[Session], int]) -> int:
    """Write a send's outcome in a unit of work of its own, again across a dropped connection (a database
    restart or failover) for as long as the shortest send deadline: at least that much of the lease is left
    after a send (`hold_leases`), so the row never passes to another worker, which would send it again."""
    settings = rt.settings
    give_up = time.monotonic() + min(settings.smtp_timeout_seconds, settings.webhook_timeout_seconds)
    delay = 0.1
    while True:
        try:
            with rt.db.transaction() as session:
                return write(session)
        except (OperationalError, InterfaceError):
            if time.monotonic() + delay > give_up:
                raise
            log.warning("outbox: the database dropped the connection while recording an outcome; again in %.1f s",
                        delay)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def backoff_seconds(settings: Settings, attempts: int, fraction: float) -> float:
    """Delay after the `attempts`-th failure: base doubling per attempt, capped, minus up to 25% jitter.

    The jitter spreads retries of a burst (an SMTP outage) so they do not all hit the server together;
    keeping it below half the step means each delay is still longer than the one before it.
    """
    step = settings.outbox_backoff_base_seconds * 2 ** min(max(attempts - 1, 0), 40)
    ceiling = min(settings.outbox_backoff_max_seconds, step)
    return ceiling * (1 - 0.25 * fraction)


def _random_fraction(rt: Runtime) -> float:
    return int(rt.tokens.numeric_code(6)) / 1_000_000


def _record_failed_event(rt: Runtime, session: Session, message_id: int, user_id: int | None, kind: str,
                         template: str | None) -> None:
    record_event(system_context(rt, session), "outbox.message.failed", user_id=user_id, message_id=message_id,
                 kind=kind, template=template)


def system_context(rt: Runtime, session: Session) -> ServiceContext:
    """A context for the worker's own bookkeeping, which neither renders emails nor builds links."""

    def unavailable(*_args, **_kwargs):
        raise RuntimeError("the delivery worker does not render emails or build links")

    return ServiceContext(session=session, settings=rt.settings, clock=rt.clock, tokens=rt.tokens,
                          compose_email=unavailable, link=unavailable, passwords=rt.passwords,
                          actor=WORKER_ACTOR, locale=rt.settings.default_locale)
