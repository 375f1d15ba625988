"""Email and webhooks travel in separate lanes: a hanging webhook receiver never holds up a person's email."""

from __future__ import annotations

import threading
import time

import pytest
from helpers.database import get
from helpers.outbox import WebhookReceiver, queue_into

from recovery.outbox.models import OutboxMessage
from recovery.outbox.worker import run_worker


def _sent_within(app, message_id: int, seconds: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if get(app, OutboxMessage, message_id).status == "sent":
            return time.monotonic() - started
        time.sleep(0.02)
    return None


@pytest.mark.concurrency
def test_worker_sends_a_reset_email_at_once_while_webhook_receivers_hang(live_app):
    app = live_app(webhook_timeout_seconds=3)
    release, held = threading.Event(), threading.Event()

    def hang() -> None:
        held.set()
        release.wait(10)

    with WebhookReceiver(on_request=hang) as receiver:
        hooks = [queue_into(app, "webhook", receiver.url) for _ in range(4)]
        stop = threading.Event()
        worker = threading.Thread(target=run_worker, args=(app,), kwargs={"stop": stop, "poll_seconds": 0.05})
        worker.start()
        try:
            reached = held.wait(10)  # the webhook lane is now held: 4 receivers x 3 s each
            mail = queue_into(app, "email", "ada@example.test", subject="Your reset link")
            waited = _sent_within(app, mail, 6)  # one lane: behind the hanging webhooks, up to 12 s
            stuck = [get(app, OutboxMessage, hook).status for hook in hooks]
        finally:
            release.set()
            stop.set()
            worker.join(timeout=30)
    assert reached
    assert waited is not None and waited < 4  # its own lane polls every 0.05 s; one lane would wait 9-12 s
    assert "sending" in stuck  # the webhook lane was still held by the receiver meanwhile


def test_worker_cli_runs_only_the_lanes_it_is_given(app, queue, stored):
    mail, hook = queue.email(), queue.webhook("https://hooks.example.com/recovery")
    result = app.test_cli_runner().invoke(args=["recovery", "worker", "--once", "--kinds", "email"])
    assert result.exit_code == 0 and "processed 1 message(s)" in result.output
    assert stored(mail).status == "sent" and stored(hook).status == "queued"
    refused = app.test_cli_runner().invoke(args=["recovery", "worker", "--once", "--kinds", "sms"])
    assert refused.exit_code != 0 and "--kinds" in refused.output
