"""The worker loop behind `flask --app wsgi recovery worker`: deliver due messages lane by lane, run due jobs.

Run as many workers as you like on as many hosts: delivery claims with leases (SKIP LOCKED on PostgreSQL)
and jobs claim their job_runs row, so nothing is sent or run twice at once. Each lane (LANES) is a thread
of its own with its own transports and claims, so a receiver that hangs delays only its own lane: a hanging
webhook endpoint never holds up a person's reset email. SIGTERM or SIGINT finishes the message in hand in
each lane and exits; nothing is lost, because an unsent message stays queued or its lease expires.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import datetime

from flask import Flask
from prometheus_client import start_http_server
from sqlalchemy.exc import DBAPIError

from recovery.observability.heartbeat import beat
from recovery.observability.metrics import process_registry
from recovery.outbox.delivery import deliver_due
from recovery.outbox.jobs import run_due_jobs
from recovery.outbox.tasks import TASK_KIND
from recovery.outbox.transports import build_transports
from recovery.web.context import runtime

log = logging.getLogger(__name__)

# Lane name -> the message kinds it claims. Tasks ride with email: a reset request's task queues its email.
LANES: dict[str, tuple[str, ...]] = {"email": (TASK_KIND, "email"), "webhook": ("webhook",)}


def make_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_worker(app: Flask, *, once: bool = False, batch_size: int = 50, poll_seconds: float = 1.0,
               stop: threading.Event | None = None, lanes: Sequence[str] = tuple(LANES)) -> int:
    """Deliver (each lane in its thread) and run jobs until stopped (or, with once, until nothing is due, one
    lane after the other); returns messages processed."""
    unknown = set(lanes) - set(LANES)
    if unknown or not lanes:
        raise ValueError(f"lanes are some of {sorted(LANES)}, not {sorted(unknown) or 'none'}")
    stop = stop or threading.Event()
    worker_id = make_worker_id()
    restore = _install_signal_handlers(stop)
    log.info("outbox worker %s started (lanes: %s)", worker_id, ", ".join(lanes))
    heartbeat = Heartbeat(app, worker_id, lanes)
    try:
        if once:
            total = sum(_lane(app, worker_id, lane, batch_size, poll_seconds, stop, once=True) for lane in lanes)
            run_due_jobs(app, worker_id=worker_id)
            heartbeat.beat()
            return total
        with _metrics_server(runtime(app).settings.worker_metrics_address):
            return _run_lanes(app, worker_id, lanes, batch_size, poll_seconds, stop, heartbeat)
    finally:
        restore()


class Heartbeat:
    """Writes this worker's heartbeat row at most every `worker_heartbeat_seconds` (by the app's clock), from
    the thread that runs the jobs: a worker whose loop is stuck stops beating, and /healthz says so."""

    def __init__(self, app: Flask, worker_id: str, lanes: Sequence[str]) -> None:
        self.app, self.worker_id, self.lanes = app, worker_id, ",".join(lanes)
        self.last: datetime | None = None

    def beat_if_due(self) -> None:
        rt = runtime(self.app)
        if self.last is None or (rt.clock.now() - self.last).total_seconds() >= rt.settings.worker_heartbeat_seconds:
            self.beat()

    def beat(self) -> None:
        rt = runtime(self.app)
        now = rt.clock.now()
        with rt.db.transaction() as session:
            beat(session, worker_id=self.worker_id, lanes=self.lanes, pid=os.getpid(), now=now)
        self.last = now


@contextmanager
def _metrics_server(address: str):
    """A worker-only host's own /metrics (RECOVERY_WORKER_METRICS_ADDRESS), for as long as the worker runs."""
    if not address:
        yield
        return
    host, _, port = address.rpartition(":")
    server, thread = start_http_server(int(port), addr=host, registry=process_registry())
    log.info("worker metrics at http://%s/metrics", address)
    try:
        yield
    finally:
        server.shutdown()
        thread.join(timeout=5)


def _run_lanes(app: Flask, worker_id: str, lanes: Sequence[str], batch_size: int, poll_seconds: float,
               stop: threading.Event, heartbeat: Heartbeat) -> int:
    """One thread per lane; this thread runs the periodic jobs and waits for a signal."""
    counts = dict.fromkeys(lanes, 0)

    def work(lane: str) -> None:
        try:
            counts[lane] = _lane(app, worker_id, lane, batch_size, poll_seconds, stop, once=False)
        except BaseException:  # a lane that dies must not leave the process half working: stop all of it
            log.exception("outbox lane %s stopped on an error; the worker stops", lane)
            stop.set()
            raise

    threads = [threading.Thread(target=work, args=(lane,), name=f"outbox-{lane}") for lane in lanes]
    for thread in threads:
        thread.start()
    try:
        while not stop.is_set():
            _guarded(lambda: run_due_jobs(app, worker_id=worker_id), poll_seconds)
            _guarded(heartbeat.beat_if_due, poll_seconds)
            stop.wait(poll_seconds)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        log.info("outbox worker %s stopped after %s message(s)", worker_id, sum(counts.values()))
    return sum(counts.values())


def _lane(app: Flask, worker_id: str, lane: str, batch_size: int, poll_seconds: float, stop: threading.Event,
          *, once: bool) -> int:
    """Deliver one lane's kinds until stopped (or, with once, until none is due); returns messages processed."""
    transports = build_transports(runtime(app))  # per lane: an SMTP connection is not shared between threads
    lane_id, kinds, total = f"{worker_id[:56]}/{lane}", LANES[lane], 0
    while not stop.is_set():
        if once:
            return _drain(app, transports, lane_id, kinds, batch_size, stop)
        processed = _guarded(lambda: _drain(app, transports, lane_id, kinds, batch_size, stop), poll_seconds) or 0
        total += processed
        if processed == 0:
            stop.wait(poll_seconds)
    return total


def _guarded(step, poll_seconds: float):
    """Run one step of a long-running worker; a database outage is logged and retried after the poll."""
    try:
        return step()
    except DBAPIError:
        log.warning("database unavailable; the worker retries in %s s", poll_seconds, exc_info=True)
        return None


def _drain(app: Flask, transports, worker_id: str, kinds: tuple[str, ...], batch_size: int,
           stop: threading.Event) -> int:
    """Deliver batches until none is due or the worker is asked to stop (a task may queue an email: it goes
    out in the next batch, not after the next poll)."""
    processed = 0
    while not stop.is_set():
        claimed = deliver_due(app, batch_size=batch_size, worker_id=worker_id, transports=transports,
                              should_stop=stop.is_set, kinds=kinds)
        processed += claimed
        if claimed == 0:
            break
    return processed


def _install_signal_handlers(stop: threading.Event):
    """SIGTERM/SIGINT set `stop`; only the main thread may install handlers (embedded runs use a thread)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def handle(signum, _frame) -> None:
        log.info("outbox worker received signal %s; finishing the current message", signum)
        stop.set()

    for sig in previous:
        signal.signal(sig, handle)

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
