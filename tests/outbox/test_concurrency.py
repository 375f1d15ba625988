"""Two workers in threads against the same real database (no per-test rollback) never deliver a message twice."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter

import pytest
from sqlalchemy import delete, select

from recovery.app import create_app
from recovery.outbox.delivery import deliver_due
from recovery.outbox.models import OutboxMessage
from recovery.outbox.service import queue_webhook
from recovery.web.context import app_service_context, runtime

pytestmark = pytest.mark.concurrency


class CountingTransport:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.deliveries: Counter = Counter()

    def send(self, message) -> None:
        time.sleep(0)  # let the other worker run between sends
        with self.lock:
            self.deliveries[message.idempotency_key] += 1


def test_two_workers_never_deliver_one_message_twice(app_config, clock):
    apps = [create_app(app_config, clock=clock) for _ in range(2)]  # two processes' worth of engines
    prefix = f"concurrency-{uuid.uuid4().hex[:12]}-"
    keys = [f"{prefix}{n}" for n in range(200)]
    transport = CountingTransport()
    try:
        with apps[0].app_context(), runtime(apps[0]).db.transaction() as session:
            ctx = app_service_context(apps[0], session)
            for key in keys:
                queue_webhook(ctx, url="https://hooks.example.test/h", body={"n": key}, idempotency_key=key)
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def work(app, worker_id: str) -> None:
            try:
                start.wait()
                while deliver_due(app, batch_size=3, worker_id=worker_id, transports={"webhook": transport}):
                    pass
            except BaseException as exc:  # surfaced below: a thread's failure must fail the test
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(app, f"worker-{i}")) for i, app in enumerate(apps)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors
        assert transport.deliveries == Counter(dict.fromkeys(keys, 1))
        session = runtime(apps[0]).db.new_session()
        statuses = set(session.scalars(select(OutboxMessage.status).where(
            OutboxMessage.idempotency_key.startswith(prefix))))
        session.close()
        assert statuses == {"sent"}
    finally:
        with runtime(apps[0]).db.transaction() as session:
            session.execute(delete(OutboxMessage).where(OutboxMessage.idempotency_key.startswith(prefix)))
        for app in apps:
            runtime(app).db.dispose()
