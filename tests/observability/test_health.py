"""/healthz reports a delivery worker not seen for RECOVERY_WORKER_STALE_MINUTES, and still answers 200."""

from __future__ import annotations

from datetime import timedelta

from recovery.outbox.worker import Heartbeat, run_worker


def test_healthz_follows_the_worker_heartbeat_by_the_clock(app, client, clock):
    Heartbeat(app, "host:1:abc", ("email", "webhook")).beat()
    body = client.get("/healthz").get_json()
    assert body == {"status": "ok", "database": "ok", "worker": "ok", "worker_last_seen": clock.now().isoformat()}
    clock.advance(timedelta(minutes=5))
    assert client.get("/healthz").get_json()["worker"] == "ok"
    clock.advance(timedelta(seconds=1))
    response = client.get("/healthz")
    assert response.status_code == 200  # the web instance stays in the load balancer: mail is late, not answers
    assert response.get_json()["status"] == "degraded" and response.get_json()["worker"] == "stale"


def test_a_worker_beats_at_most_every_heartbeat_interval(app, clock, db_rows_heartbeats):
    heartbeat = Heartbeat(app, "host:2:def", ("email",))
    heartbeat.beat_if_due()
    first = db_rows_heartbeats()[0].seen_at
    clock.advance(timedelta(seconds=29))
    heartbeat.beat_if_due()
    assert db_rows_heartbeats()[0].seen_at == first
    clock.advance(timedelta(seconds=1))
    heartbeat.beat_if_due()
    assert db_rows_heartbeats()[0].seen_at == first + timedelta(seconds=30)


def test_a_worker_run_writes_its_heartbeat(app, client):
    run_worker(app, once=True)
    assert client.get("/healthz").get_json()["worker"] == "ok"
