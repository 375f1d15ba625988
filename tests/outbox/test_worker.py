"""The worker: `recovery worker --once` drains what is due and exits; SIGTERM stops it without losing mail."""

from __future__ import annotations

import os
import signal
import threading

from helpers.database import get
from helpers.outbox import WebhookReceiver, queue_into

from recovery.outbox.models import OutboxMessage
from recovery.outbox.worker import run_worker
from recovery.web.context import runtime


def test_worker_once_delivers_what_is_due_to_the_mailbox_and_exits(app, queue, stored):
    ids = [queue.email(to=f"user{i}@example.test") for i in range(3)]
    result = app.test_cli_runner().invoke(args=["recovery", "worker", "--once", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "processed 3 message(s)" in result.output
    assert all(stored(i).status == "sent" for i in ids)
    assert len(list(runtime(app).settings.mailbox_dir.glob("*.eml"))) == 3


def test_worker_once_with_nothing_due_processes_nothing(app):
    result = app.test_cli_runner().invoke(args=["recovery", "worker", "--once"])
    assert result.exit_code == 0 and "processed 0 message(s)" in result.output


def test_worker_stops_on_sigterm_and_hands_back_what_it_had_not_sent(live_app):
    app = live_app()
    previous = signal.getsignal(signal.SIGTERM)
    stop, failsafe_fired = threading.Event(), []
    # Only if the signal were ignored: stop anyway rather than hang the suite, and fail below.
    timer = threading.Timer(20, lambda: (failsafe_fired.append(True), stop.set()))
    timer.start()
    try:
        # The first delivery's receiver signals the worker, then answers once the handler has set `stop` (a
        # lane thread that got its answer first could start the next message before the main thread ran it).
        with WebhookReceiver(on_request=lambda: (os.kill(os.getpid(), signal.SIGTERM), stop.wait(10))) as receiver:
            ids = [queue_into(app, "webhook", receiver.url) for _ in range(3)]
            processed = run_worker(app, once=False, batch_size=10, poll_seconds=30, stop=stop)
    finally:
        timer.cancel()
    assert not failsafe_fired
    assert processed == 1 and len(receiver.requests) == 1
    assert [get(app, OutboxMessage, i).status for i in ids] == ["sent", "queued", "queued"]
    assert signal.getsignal(signal.SIGTERM) is previous
