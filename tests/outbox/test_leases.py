"""A lease never runs out under a live worker: a batch behind a hanging receiver is never sent twice."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from helpers.database import get, rows
from helpers.outbox import queue_into
from sqlalchemy.exc import OperationalError

from recovery.outbox.delivery import claim_due, deliver_due, hold_leases
from recovery.outbox.models import OutboxMessage
from recovery.settings import SettingsError, build_settings
from recovery.web.context import runtime

TARGETS = {"email": "ada@example.test", "webhook": "https://hooks.example.com/recovery"}


class Counting:
    """A receiver's count of what reached it, shared by the workers' transports."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: Counter = Counter()

    def send(self, message) -> None:
        with self.lock:
            self.received[message.idempotency_key] += 1


class Hanging(Counting):
    """Each send hangs for its whole deadline on the injected clock, then gives the other worker its turn."""

    deadline_seconds = 10.0

    def __init__(self, received: Counting, clock, other_turn) -> None:
        super().__init__()
        self.received, self.lock, self.clock, self.other_turn = received.received, received.lock, clock, other_turn

    def send(self, message) -> None:
        super().send(message)
        self.clock.advance(seconds=self.deadline_seconds)
        self.other_turn()


@pytest.mark.concurrency
@pytest.mark.parametrize("kind", ["webhook", "email"])
def test_batch_outlasting_its_lease_behind_a_hanging_receiver_is_never_sent_twice(live_app, clock, kind):
    first, second = live_app(), live_app()  # two workers' engines on one real database
    ids = [queue_into(first, kind, TARGETS[kind]) for _ in range(24)]
    receiver, go, went, finished = Counting(), threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def other_worker() -> None:  # polls whenever the first worker's receiver has hung for a while
        try:
            while go.wait(30) and not finished.is_set():
                go.clear()
                deliver_due(second, batch_size=24, worker_id="worker-b", transports={kind: receiver})
                went.set()
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)
            went.set()

    def its_turn() -> None:
        go.set()
        assert went.wait(30)
        went.clear()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        deliver_due(first, batch_size=24, worker_id="worker-a",
                    transports={kind: Hanging(receiver, clock, its_turn)})
    finally:
        finished.set()
        go.set()
        thread.join(timeout=30)
    assert not errors
    assert receiver.received == Counter({key: 1 for key in
                                         (get(first, OutboxMessage, i).idempotency_key for i in ids)})
    assert {row.status for row in rows(first, OutboxMessage, OutboxMessage.id.in_(ids))} == {"sent"}


def test_hold_leases_renews_the_batch_when_less_than_twice_the_send_deadline_is_left(app, clock, queue, stored):
    queue.email(), queue.email()
    rt = runtime(app)
    claims = claim_due(rt, batch_size=10, worker_id="worker-a")
    assert hold_leases(rt, claims, "worker-a", 10) == claims  # 120 s left: nothing to do
    clock.advance(seconds=rt.settings.outbox_lease_seconds - 19)
    held = hold_leases(rt, claims, "worker-a", 10)
    lease = timedelta(seconds=rt.settings.outbox_lease_seconds)
    assert [c.leased_until for c in held] == [clock.now() + lease] * len(claims)
    assert all(stored(c.message.id).locked_until == clock.now() + lease for c in claims)


def test_hold_leases_drops_what_another_worker_reclaimed_while_this_one_was_paused(app, clock, queue, stored):
    ids = [queue.email(to=f"u{i}@example.test") for i in range(2)]
    rt = runtime(app)
    paused = claim_due(rt, batch_size=10, worker_id="worker-a")
    clock.advance(seconds=rt.settings.outbox_lease_seconds + 1)  # e.g. the process was stopped (SIGSTOP)
    assert len(claim_due(rt, batch_size=1, worker_id="worker-b")) == 1
    (kept,) = hold_leases(rt, paused, "worker-a", 10)
    assert kept.message.id == ids[1] and stored(ids[0]).locked_by == "worker-b"


def test_settings_refuse_a_lease_that_a_send_could_outlast(app_config):
    with pytest.raises(SettingsError, match="LEASE"):
        build_settings({**app_config, "outbox_lease_seconds": 20, "webhook_timeout_seconds": 10})
    assert build_settings({**app_config, "outbox_lease_seconds": 21}).outbox_lease_seconds == 21


class DroppingTheConnection(Counting):
    """Each send succeeds, then the database connection drops (a restart, a failover): the next unit of work the
    worker opens fails once, as psycopg reports a connection the server closed."""

    def __init__(self, app, received: Counting) -> None:
        super().__init__()
        self.received, self.lock = received.received, received.lock
        self.db = runtime(app).db
        self.real_transaction = self.db.transaction

    def send(self, message) -> None:
        super().send(message)

        def dropped_once():
            self.db.transaction = self.real_transaction
            raise OperationalError("UPDATE outbox", {}, Exception("server closed the connection unexpectedly"))

        self.db.transaction = dropped_once


@pytest.mark.parametrize("kind", ["webhook", "email"])
def test_a_send_whose_outcome_write_meets_a_dropped_connection_is_recorded_and_never_sent_again(live_app, clock,
                                                                                                kind):
    app = live_app()
    message_id = queue_into(app, kind, TARGETS[kind])
    receiver = Counting()
    deliver_due(app, batch_size=10, worker_id="worker-a", transports={kind: DroppingTheConnection(app, receiver)})
    clock.advance(seconds=runtime(app).settings.outbox_lease_seconds + 1)  # any lease left would have run out
    deliver_due(app, batch_size=10, worker_id="worker-b", transports={kind: receiver})
    assert receiver.received == Counter({get(app, OutboxMessage, message_id).idempotency_key: 1})
    assert get(app, OutboxMessage, message_id).status == "sent"
