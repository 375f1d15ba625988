"""Fault drills with real processes of their own: delivery workers (`recovery worker`), an SMTP relay and a webhook
receiver (tests/outbox/drill_peers.py), on a database of their own. Every email and webhook arrives exactly once,
counted at the receiver, whatever the relay, the receiver or a killed worker did, and hanging webhooks never hold
up mail. Short timeouts and leases keep the file under a minute (settings by environment, as in production)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from helpers.database import get, rows
from helpers.outbox import queue_into, webhook_test_settings
from helpers.processes import free_port

from recovery.app import create_app
from recovery.outbox.models import OutboxMessage
from recovery.web.context import runtime

pytestmark = [pytest.mark.drill, pytest.mark.concurrency]
ROOT = Path(__file__).resolve().parents[2]
PEERS = Path(__file__).with_name("drill_peers.py")
WEBHOOK_TIMEOUT, LEASE = 1.5, 4  # seconds: a hanging receiver holds a send 1.5 s; the lease is more than twice that


class Drill:
    """The processes of one drill and what their logs say; every process it started is killed at the end."""

    def __init__(self, database_url: str, tmp: Path, secret_key: str) -> None:
        self.tmp, self.processes = tmp, []
        self.smtp_port, self.webhook_port = free_port(), free_port()
        self.relay_log, self.receiver_log, self.mode = tmp / "relay.log", tmp / "receiver.log", tmp / "mode"
        self.relay_log.touch()
        self.receiver_log.touch()
        self.url = f"http://127.0.0.1:{self.webhook_port}/hooks/recovery"
        self.env = {**os.environ, "RECOVERY_ENV": "testing", "RECOVERY_DATABASE_URL": database_url,
                    "RECOVERY_SECRET_KEY": secret_key, "RECOVERY_INSTANCE_DIR": str(tmp / "instance"),
                    "RECOVERY_BASE_URL": "https://recovery.example.test",
                    "RECOVERY_SMTP_HOST": "127.0.0.1", "RECOVERY_SMTP_PORT": str(self.smtp_port),
                    "RECOVERY_SMTP_STARTTLS": "false", "RECOVERY_SMTP_TIMEOUT_SECONDS": "1",
                    "RECOVERY_WEBHOOK_TIMEOUT_SECONDS": str(WEBHOOK_TIMEOUT),
                    "RECOVERY_OUTBOX_LEASE_SECONDS": str(LEASE),
                    "RECOVERY_OUTBOX_BACKOFF_BASE_SECONDS": "0.2", "RECOVERY_OUTBOX_BACKOFF_MAX_SECONDS": "1",
                    "RECOVERY_OUTBOX_MAX_ATTEMPTS": "100", "RECOVERY_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"}

    def start(self, *args: str, ready: bool = False) -> subprocess.Popen:
        process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=subprocess.PIPE if ready else None)
        self.processes.append(process)
        if ready:
            assert process.stdout is not None and process.stdout.readline().strip() == b"ready"
        return process

    def relay(self) -> subprocess.Popen:
        return self.start(sys.executable, str(PEERS), "smtp", str(self.smtp_port), str(self.relay_log), ready=True)

    def receiver(self, mode: str) -> subprocess.Popen:
        self.set_mode(mode)
        return self.start(sys.executable, str(PEERS), "webhook", str(self.webhook_port), str(self.receiver_log),
                          str(self.mode), ready=True)

    def set_mode(self, mode: str) -> None:
        self.mode.write_text(mode)

    def worker(self, kinds: str = "email,webhook") -> subprocess.Popen:
        return self.start(sys.executable, "-m", "flask", "--app", "wsgi", "recovery", "worker", "--poll-seconds",
                          "0.1", "--kinds", kinds)

    def emails(self) -> Counter:
        return Counter(self.relay_log.read_text().split())

    def webhooks(self) -> list[tuple[str, str]]:
        return [tuple(line.split()) for line in self.receiver_log.read_text().splitlines()]

    def accepted(self) -> Counter:
        return Counter(key for key, outcome in self.webhooks() if outcome in {"200", "repeat"})

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()


def wait_for(condition, seconds: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"not within {seconds} s: {what}"
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def drill(own_database, app_config, tmp_path):
    drill = Drill(own_database, tmp_path, app_config["secret_key"])
    yield drill
    drill.stop()


@pytest.fixture
def app(own_database, app_config):
    """The app the test queues through, on the drill's database and the real clock (the workers' clock)."""
    app = create_app({**app_config, "database_url": own_database, "extra": webhook_test_settings()})
    yield app
    runtime(app).db.dispose()


def keys(app, ids: list[int]) -> list[str]:
    return [get(app, OutboxMessage, i).idempotency_key for i in ids]


def all_sent(app, ids: list[int]) -> bool:
    return {row.status for row in rows(app, OutboxMessage, OutboxMessage.id.in_(ids))} == {"sent"}


def test_drill_relay_down_then_back_and_receiver_failing_then_hanging(drill, app):
    """SMTP relay down, receiver answering 500; then the relay back, the receiver hanging; then both well."""
    receiver, worker = drill.receiver("500"), drill.worker()
    emails = [queue_into(app, "email", f"user{i}@example.test") for i in range(5)]
    hooks = [queue_into(app, "webhook", drill.url, n=i) for i in range(5)]
    wait_for(lambda: len(drill.webhooks()) >= 5, 30, "the receiver answered 500 to every webhook")
    assert not drill.emails() and not {get(app, OutboxMessage, i).status for i in emails} & {"sent", "failed"}

    drill.relay()
    drill.set_mode("hang")
    wait_for(lambda: any(outcome == "hung" for _key, outcome in drill.webhooks()), 10, "a webhook hangs")
    reset = queue_into(app, "email", "ada@example.test", subject="Your reset link")
    waited = wait_for(lambda: drill.emails()[keys(app, [reset])[0]], 10, "the reset email reached the relay")
    assert waited < 2.5  # 5 webhooks hang 1.5 s each in their own lane meanwhile
    assert worker.poll() is None and receiver.poll() is None

    drill.set_mode("ok")
    wait_for(lambda: all_sent(app, emails + hooks + [reset]), 30, "every message sent")
    assert drill.emails() == Counter(keys(app, emails + [reset]))
    assert drill.accepted() == Counter(keys(app, hooks))  # each once: no "repeat" either
    assert worker.poll() is None  # recovered without a restart


def test_drill_worker_killed_mid_batch_and_a_batch_outliving_its_lease(drill, app):
    """Two workers share 16 slow webhooks (one batch can take 6 s, more than the 4 s lease); one is SIGKILLed
    mid-batch and a replacement starts at once: the dead one's rows go out once its lease is over, and the
    batches the two live workers hold for longer than a lease are never taken from them."""
    drill.receiver("slow:0.4")
    drill.relay()
    hooks = [queue_into(app, "webhook", drill.url, n=i) for i in range(16)]
    emails = [queue_into(app, "email", f"user{i}@example.test") for i in range(3)]
    doomed, survivor = drill.worker("webhook"), drill.worker("email,webhook")
    wait_for(lambda: len(drill.webhooks()) >= 4, 30, "the workers are mid-batch")
    doomed.send_signal(signal.SIGKILL)
    replacement = drill.worker("webhook")
    wait_for(lambda: all_sent(app, hooks + emails), 40, "every message sent after the kill")
    accepted = drill.accepted()
    assert set(accepted) == set(keys(app, hooks)) and set(drill.emails()) == set(keys(app, emails))
    assert all(count == 1 for count in drill.emails().values())
    # At most the one webhook in flight when the worker was killed can arrive twice, and the receiver drops
    # it by its Idempotency-Key; the survivor's batch, longer than its lease, is never sent twice.
    repeats = [key for key, outcome in drill.webhooks() if outcome == "repeat"]
    assert len(repeats) <= 1 and all(count == 1 for key, count in accepted.items() if key not in repeats)
    assert survivor.poll() is None and replacement.poll() is None
