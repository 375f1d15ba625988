"""Figure 8, outbox delivery: messages per second from the outbox to a local SMTP sink and to a local webhook
receiver, with 1 and 2 delivery workers (`flask --app wsgi recovery worker`, each its own process).

The workers start first and idle; then one transaction queues a batch, so every worker is ready when the
clock starts. The rate is taken from the messages' own sent_at times (first to last), the count of what
the receiver got is checked against the rows marked sent, and nothing may be left undelivered.
"""

from __future__ import annotations

import time
import uuid

from sqlalchemy import delete, func, select

from bench.context import Run
from bench.loads import attempt
from bench.procs import BIN
from bench.recovery_server import Recovery
from bench.sinks import Sinks
from bench.table import Row, ratio_of

MESSAGES, QUICK_MESSAGES = 4000, 1000
SETTLE_SECONDS = 4.0
TEXT = ("Hello,\n\nSomeone asked to reset the password of your account. If it was you, open the link below "
        "within 30 minutes.\n\nhttps://recovery.example.test/reset/...\n\nIf it was not you, ignore this email.\n")


def _queue(app, kind: str, count: int, webhook_url: str) -> str:
    """`count` due messages of one kind in one transaction; returns the batch's marker (its template name)."""
    from recovery.outbox.models import OutboxMessage
    from recovery.web.context import runtime

    rt = runtime(app)
    marker = f"bench-{uuid.uuid4().hex[:8]}"
    now = rt.clock.now()
    with app.app_context(), rt.db.transaction() as session:
        for n in range(count):
            if kind == "email":
                recipient, payload = f"user{n}@example.com", {"subject": "Reset your password", "text": TEXT,
                                                             "html": f"<p>{TEXT}</p>"}
            else:
                recipient, payload = webhook_url, {"body": {"event": "alert.raised", "n": n}, "secret_ref": None}
            session.add(OutboxMessage(kind=kind, idempotency_key=uuid.uuid4().hex, recipient=recipient,
                                      template=marker, payload=payload, status="queued", attempts=0,
                                      next_attempt_at=now, created_at=now))
    return marker


def _progress(app, marker: str) -> tuple[int, int]:
    """(sent, not yet sent) of one batch."""
    from recovery.outbox.models import OutboxMessage
    from recovery.web.context import runtime

    batch = select(func.count()).where(OutboxMessage.template == marker)
    with runtime(app).db.transaction() as session:
        total = session.scalar(batch)
        sent = session.scalar(batch.where(OutboxMessage.status == "sent"))
    return sent, total - sent


def _discard_unsent(app, marker: str) -> None:
    from recovery.outbox.models import OutboxMessage
    from recovery.web.context import runtime

    with runtime(app).db.transaction() as session:
        session.execute(delete(OutboxMessage).where(OutboxMessage.template == marker, OutboxMessage.status == "queued"))


def _sent_span(app, marker: str) -> tuple[int, float]:
    from recovery.outbox.models import OutboxMessage
    from recovery.web.context import runtime

    with runtime(app).db.transaction() as session:
        count, first, last = session.execute(
            select(func.count(), func.min(OutboxMessage.sent_at), func.max(OutboxMessage.sent_at))
            .where(OutboxMessage.template == marker, OutboxMessage.status == "sent")).one()
    if count < 2 or first is None:
        return count, 0.0
    return count, (last - first).total_seconds()


def start_workers(run: Run, recovery: Recovery, count: int, name: str) -> list:
    argv = [str(BIN / "flask"), "--app", "wsgi", "recovery", "worker", "--poll-seconds", "0.2"]
    return [run.procs.start(f"{name}-{n}", argv, env=recovery.env()) for n in range(count)]


def deliver(run: Run, recovery: Recovery, sinks: Sinks, kind: str, workers: int) -> float:
    """Messages per second for one kind and worker count; raises when a message is lost or doubled."""
    app = recovery.app()
    procs = start_workers(run, recovery, workers, f"outbox-{kind}-{workers}w")
    try:
        time.sleep(SETTLE_SECONDS)
        before = sinks.stats()
        marker = _queue(app, kind, QUICK_MESSAGES if run.quick else MESSAGES, sinks.webhook_url)
        deadline = time.monotonic() + run.seconds + SETTLE_SECONDS
        while time.monotonic() < deadline and _progress(app, marker)[1] > 0:
            if not all(proc.alive() for proc in procs):
                raise RuntimeError(f"a delivery worker exited:\n{procs[0].tail()}")
            time.sleep(0.2)
    finally:
        for proc in procs:
            run.procs.stop(proc)
    _discard_unsent(app, marker)  # what the time bound left queued must not leak into the next batch
    sent, seconds = _sent_span(app, marker)
    after = sinks.stats()
    received = after[f"{'smtp' if kind == 'email' else 'webhook'}_unique"] - \
        before[f"{'smtp' if kind == 'email' else 'webhook'}_unique"]
    if received != sent:
        raise RuntimeError(f"{kind}: {sent} marked sent but the receiver got {received} distinct messages")
    print(f"  outbox {kind:<8} {workers} worker(s): {sent} sent in {seconds:.1f} s", flush=True)
    return (sent - 1) / seconds if seconds else 0.0


def rows(run: Run, sinks: Sinks, errors: dict[str, str]) -> list[Row]:
    recovery = Recovery(run, name="outbox", smtp_port=sinks.smtp_port, seed_data=False)
    recovery.prepare()
    out = []
    try:
        for kind, label in (("email", "SMTP sink"), ("webhook", "webhook receiver")):
            one = attempt(f"{kind}1", lambda k=kind: deliver(run, recovery, sinks, k, 1), errors)
            two = attempt(f"{kind}2", lambda k=kind: deliver(run, recovery, sinks, k, 2), errors)
            out.append(Row(f"8 outbox to {label}, 1 worker", one, "messages/s", note=_note(errors, f"{kind}1")))
            out.append(Row(f"8 outbox to {label}, 2 workers", two, "messages/s", peer="1 worker", peer_value=one,
                           ratio=ratio_of(two, one), note=_note(errors, f"{kind}2")))
    finally:
        recovery.close()
    return out


def _note(errors: dict[str, str], label: str) -> str | None:
    return f"delivery failed: {errors[label]}"[:600] if label in errors else None
