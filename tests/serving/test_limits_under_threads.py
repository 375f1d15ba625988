"""In-memory rate limits are exact under several threads of one process (the embedded server's shape).

Real threads, each with its own client, start together on one app against a database of its own.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from recovery.app import create_app
from recovery.outbox.models import OutboxMessage
from recovery.outbox.tasks import TASK_KIND
from recovery.web.context import runtime
from recovery.web.ratelimit import limiter

pytestmark = pytest.mark.concurrency
THREADS = 16


@pytest.fixture
def threaded_app(own_database, app_config, clock):
    app = create_app({**app_config, "database_url": own_database}, clock=clock)
    with app.app_context():
        limiter.reset()
    yield app
    runtime(app).db.dispose()


def _together(count: int, send) -> Counter:
    """`send(n)` from `count` requests spread over THREADS threads released at once; their status codes."""
    start = threading.Barrier(THREADS)
    statuses: list[int] = []
    lock = threading.Lock()

    def run(first: int) -> None:
        start.wait()
        for n in range(first, count, THREADS):
            status = send(n)
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return Counter(statuses)


def test_sixty_concurrent_signups_from_one_ip_get_exactly_the_twenty_per_hour(threaded_app):
    def send(n: int) -> int:
        client = threaded_app.test_client()
        return client.post("/api/v1/accounts", json={"email": f"u{n}@example.com", "password": "short"},
                           environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code

    statuses = _together(60, send)
    assert statuses[429] == 40 and sum(statuses.values()) == 60


def test_concurrent_resets_for_case_variants_from_many_ips_queue_exactly_the_five_per_address(threaded_app):
    variants = ["ada@example.com", "ADA@example.com", "Ada@Example.com", "ada@EXAMPLE.COM"]

    def send(n: int) -> int:
        client = threaded_app.test_client()
        return client.post("/api/v1/password-resets", json={"email": variants[n % len(variants)]},
                           environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"}).status_code

    assert _together(24, send) == Counter({202: 24})
    with runtime(threaded_app).db.transaction() as session:
        queued = session.scalar(select(func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.kind == TASK_KIND))
    assert queued == 5
