"""The bench's own seeding and books, run against a real recovery app on SQLite (no server, no wrk):
the one-shot MFA bodies of the mixed load each complete one sign-in, and the outbox books keep tasks apart."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ is not an installed package

from bench.context import Run  # noqa: E402
from bench.mixed import SPREAD, mix, outbox_counts  # noqa: E402
from bench.recovery_server import Recovery, Seeded, mfa_accounts, mfa_step_bodies, subscribe_webhooks  # noqa: E402


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

    counts = outbox_counts(app)
    assert (counts["queued"], counts["tasks_pending"], counts["tasks_ran"]) == (1, 1, 0)
    assert counts.get("sent", 0) == 0


def test_mixed_load_keeps_its_mix_and_spreads_wrong_passwords_over_addresses(tmp_path):
    server = Recovery(Run(tmp_path, procs=None), seed_data=False)  # type: ignore[arg-type]
    server.seeded = Seeded(known="k@example.com", locked="l@example.com", unknown="u@example.com",
                           signin_users=[f"user{n}@example.com" for n in range(20)], agent_token="t",
                           agent_cookie="session=c", status_token="s")
    requests = mix(server, {})
    total = sum(r.weight for r in requests)

    def share(path: str, *, wrong: bool = False) -> float:
        """Per cent of the load going to `path` (a prefix when it ends with /), wrong passwords apart."""
        return 100 * sum(r.weight for r in requests
                         if (r.path.startswith(path) if path.endswith("/") else r.path == path)
                         and ("not it" in (r.body or "")) == wrong) / total

    assert (share("/api/v1/sessions"), share("/api/v1/sessions", wrong=True), share("/api/v1/password-resets"),
            share("/api/v1/sessions/mfa"), share("/appeal/status/"), share("/api/v1/tickets"),
            share("/staff/tickets")) == (20, 15, 20, 10, 15, 15, 5)
    wrong_passwords = [r for r in requests if "not it" in (r.body or "")]
    addresses = {r.headers["X-Forwarded-For"] for r in wrong_passwords}
    assert len(addresses) == len(wrong_passwords) == 15 * SPREAD
    # Each address sends 1 request in 400: at 400 req/s for 63 s, 63 failures, under the 100 a day that
    # detection throttles as credential stuffing.
    assert total == 100 * SPREAD


def test_mfa_bodies_of_the_same_accounts_can_be_seeded_again_for_a_later_minute(recovery):
    accounts = mfa_accounts(recovery, 2)
    now_step = int(time.time()) // 30
    first = mfa_step_bodies(recovery, accounts, seconds=1)
    later = mfa_step_bodies(recovery, accounts, seconds=60, after=60)
    assert min(later) >= now_step + 1 and max(later) >= (int(time.time()) + 120) // 30
    assert all(len(b) == 2 for b in (*first.values(), *later.values()))

    client = recovery.app().test_client()
    answers = [client.post("/api/v1/sessions/mfa", data=body, content_type="application/json")
               for body in first[now_step]]
    assert [a.status_code for a in answers] == [201, 201]  # the later bodies did not spend these


def test_the_webhook_subscription_turns_an_alert_into_a_webhook_to_the_receiver(recovery):
    from recovery.alerts.service import raise_alert
    from recovery.outbox.models import OutboxMessage
    from recovery.web.context import app_service_context, runtime

    url = "http://127.0.0.1:9/hook"
    subscribe_webhooks(recovery, url)
    app = recovery.app()
    with app.app_context(), runtime(app).db.transaction() as session:
        raise_alert(app_service_context(app, session), rule="brute_force", severity="low", source="198.51.0.1")

    assert outbox_counts(app, "webhook")["queued"] == 1 and outbox_counts(app)["queued"] == 0
    with runtime(app).db.transaction() as session:
        assert session.query(OutboxMessage.recipient).filter_by(kind="webhook").scalar() == url
