"""The worker loop behind `flask --app wsgi recovery worker`: deliver due messages, run due jobs, repeat.

Run as many workers as you like on as many hosts: delivery claims with leases (SKIP LOCKED on PostgreSQL)
and jobs claim their job_runs row, so nothing is sent or run twice at once. SIGTERM or SIGINT finishes
the message in hand and exits; nothing is lost, because an unsent message stays queued or its lease expires.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid

from flask import Flask
from sqlalchemy.exc import DBAPIError

from recovery.outbox.delivery import deliver_due
from recovery.outbox.jobs import run_due_jobs
from recovery.outbox.transports import build_transports
from recovery.web.context import runtime

log = logging.getLogger(__name__)


def make_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_worker(app: Flask, *, once: bool = False, batch_size: int = 50, poll_seconds: float = 1.0,
               stop: threading.Event | None = None) -> int:
    """Deliver and run jobs until stopped (or, with once, until nothing is due); returns messages processed."""
    stop = stop or threading.Event()
    worker_id = make_worker_id()
    transports = build_transports(runtime(app))
    restore = _install_signal_handlers(stop)
    total = 0
    log.info("outbox worker %s started", worker_id)
    try:
        while not stop.is_set():
            try:
                processed = _drain(app, transports, worker_id, batch_size, stop)
                total += processed
                run_due_jobs(app, worker_id=worker_id)
            except DBAPIError:
                if once:
                    raise
                log.warning("database unavailable; the worker retries in %s s", poll_seconds, exc_info=True)
                processed = 0
            if once:
                break
            if processed == 0:
                stop.wait(poll_seconds)
    finally:
        restore()
        log.info("outbox worker %s stopped after %s message(s)", worker_id, total)
    return total


def _drain(app: Flask, transports, worker_id: str, batch_size: int, stop: threading.Event) -> int:
    """Deliver batches until none is due or the worker is asked to stop (a task may queue an email: it goes
    out in the next batch, not after the next poll)."""
    processed = 0
    while not stop.is_set():
        claimed = deliver_due(app, batch_size=batch_size, worker_id=worker_id, transports=transports,
                              should_stop=stop.is_set)
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
