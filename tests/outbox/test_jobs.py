"""Periodic jobs: run when due, once across workers, a dead worker's lock expires, a failure is kept."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from recovery.outbox.jobs import Job, claim_job, prune_sent_messages, registered_jobs, run_due_jobs
from recovery.outbox.models import JobRun, OutboxMessage
from recovery.web.context import runtime


def _job(calls: list, name: str = "test.tick", every=timedelta(minutes=10), fail: bool = False) -> Job:
    def tick(ctx) -> None:
        calls.append(ctx.clock.now())
        if fail:
            raise ValueError("the job broke")

    return Job(name, every, tick, timeout=timedelta(minutes=15))


def _run_row(app, name: str) -> JobRun:
    session = runtime(app).db.new_session()
    try:
        return session.scalar(select(JobRun).where(JobRun.name == name))
    finally:
        session.close()


def test_run_due_jobs_runs_a_job_once_per_interval(app, clock):
    calls: list = []
    job = _job(calls)
    assert run_due_jobs(app, worker_id="w1", jobs=[job]) == ["test.tick"]
    clock.advance(minutes=9)
    assert run_due_jobs(app, worker_id="w2", jobs=[job]) == []
    clock.advance(minutes=1)
    assert run_due_jobs(app, worker_id="w2", jobs=[job]) == ["test.tick"]
    assert len(calls) == 2
    row = _run_row(app, "test.tick")
    assert row.last_started_at == clock.now() and row.locked_until is None and row.last_error is None


def test_run_due_jobs_skips_a_job_another_worker_is_running(app, clock):
    calls: list = []
    job = _job(calls, every=timedelta(minutes=1))
    assert claim_job(app, job, worker_id="host-a")  # host A is in the middle of it
    clock.advance(minutes=5)
    assert run_due_jobs(app, worker_id="host-b", jobs=[job]) == []
    clock.advance(minutes=11)  # host A died: its lock ran out after the job's timeout
    assert run_due_jobs(app, worker_id="host-b", jobs=[job]) == ["test.tick"] and len(calls) == 1


def test_run_due_jobs_keeps_a_failure_and_releases_the_lock(app, clock):
    calls: list = []
    assert run_due_jobs(app, worker_id="w1", jobs=[_job(calls, fail=True), _job(calls, name="test.other")]) == [
        "test.tick", "test.other"]
    row = _run_row(app, "test.tick")
    assert row.last_error == "ValueError: the job broke" and row.locked_until is None
    assert len(calls) == 2


def test_prune_sent_messages_deletes_only_sent_messages_older_than_30_days(services, clock, queue, stored):
    old_sent, old_failed = queue.email(), queue.email()
    with services() as ctx:
        for message_id, status in ((old_sent, "sent"), (old_failed, "failed")):
            message = ctx.session.get(OutboxMessage, message_id)
            message.status, message.sent_at = status, ctx.clock.now() if status == "sent" else None
    clock.advance(days=31)
    fresh = queue.email()
    with services() as ctx:
        ctx.session.get(OutboxMessage, fresh).status = "sent"
        ctx.session.get(OutboxMessage, fresh).sent_at = ctx.clock.now()
        assert prune_sent_messages(ctx) == 1
    assert stored(old_sent) is None and stored(old_failed) is not None and stored(fresh) is not None


def test_registered_jobs_include_the_outbox_pruning():
    assert "outbox.prune_sent" in [job.name for job in registered_jobs()]
