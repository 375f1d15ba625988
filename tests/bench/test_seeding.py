"""The bench's own seeding and books, run against a real recovery app on SQLite (no server, no wrk):
the one-shot MFA bodies of the mixed load each complete one sign-in, and the outbox books keep tasks apart."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ is not an installed package

from bench.context import Run  # noqa: E402
from bench.mixed import _outbox  # noqa: E402
from bench.recovery_server import Recovery, mfa_step_bodies  # noqa: E402


@pytest.fixture
def recovery(tmp_path):
    server = Recovery(Run(tmp_path, procs=None), seed_data=False)  # type: ignore[arg-type]
    server.prepare()
    yield server
    server.close()


def test_mfa_step_bodies_each_pass_once_in_their_step(recovery):
    bodies = mfa_step_bodies(recovery, accounts=3, seconds=1)
    client = recovery.app().test_client()
    now_step = int(time.time()) // 30
    assert set(bodies) >= {now_step, now_step + 1} and all(len(b) == 3 for b in bodies.values())

    answers = [client.post("/api/v1/sessions/mfa", data=body, content_type="application/json")
               for body in bodies[now_step]]
    assert [a.status_code for a in answers] == [201, 201, 201]
    again = client.post("/api/v1/sessions/mfa", data=bodies[now_step][0], content_type="application/json")
    assert again.status_code == 401  # the challenge is spent: a body really is one-shot


def test_outbox_books_count_emails_and_worker_tasks_apart(recovery):
    from recovery.outbox.service import queue_email
    from recovery.outbox.tasks import queue_task
    from recovery.web.context import app_service_context, runtime

    app = recovery.app()
    with app.app_context(), runtime(app).db.transaction() as session:
        ctx = app_service_context(app, session)
        queue_email(ctx, to="ada@example.test", template="verify_email", code="123456", minutes=15)
        queue_task(ctx, "reset.request", email="ada@example.test")

    counts = _outbox(app)
    assert (counts["queued"], counts["tasks_pending"], counts["tasks_ran"]) == (1, 1, 0)
    assert counts.get("sent", 0) == 0
