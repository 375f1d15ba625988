"""Periodic jobs run by the worker; a row per job in job_runs makes sure only one worker anywhere runs it.

A capability registers its jobs in its own `recovery/<capability>/jobs.py`, which the worker imports:

    register_job("tickets.sla_check", timedelta(minutes=5), check_slas)   # check_slas(ctx) -> None

A job runs in one transaction with a system ServiceContext (it may queue emails and record events). The
claim is a conditional UPDATE (due and not locked), so of several workers on several hosts exactly one
wins; a worker that dies mid-job leaves a lock that expires after the job's timeout.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import and_, delete, func, or_, select, update

import recovery
from recovery.context import Actor, ServiceContext
from recovery.db import rowcount, upsert_insert
from recovery.observability.metrics import publish_gauge
from recovery.outbox.models import JobRun, OutboxMessage
from recovery.web.context import app_service_context, runtime

log = logging.getLogger(__name__)
JOB_ACTOR = Actor("system", None, None, "worker-job")
_MIN_TIMEOUT = timedelta(minutes=5)



@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    fn: Callable[[ServiceContext], object]
    timeout: timedelta


_JOBS: dict[str, Job] = {}


def register_job(name: str, every: timedelta, fn: Callable[[ServiceContext], object], *,
                 timeout: timedelta | None = None) -> Job:
    """Run fn(ctx) about every `every`; `timeout` (default: max(every, 5 minutes)) bounds a dead worker's lock."""
    if len(name) > 64 or every <= timedelta(0):
        raise ValueError("a job needs a name of at most 64 characters and a positive interval")
    job = Job(name, every, fn, timeout or max(every, _MIN_TIMEOUT))
    _JOBS[name] = job
    return job


def registered_jobs() -> list[Job]:
    """Every job of every capability: each `recovery.<capability>.jobs` module is imported once."""
    for package in pkgutil.iter_modules(recovery.__path__):
        if package.ispkg and importlib.util.find_spec(f"recovery.{package.name}.jobs") is not None:
            importlib.import_module(f"recovery.{package.name}.jobs")
    return sorted(_JOBS.values(), key=lambda job: job.name)


def run_due_jobs(app: Flask, *, worker_id: str, jobs: list[Job] | None = None) -> list[str]:
    """Run every job whose interval has passed and that no other worker holds; returns the names run."""
    ran = []
    for job in registered_jobs() if jobs is None else jobs:
        if claim_job(app, job, worker_id=worker_id[:64]):
            _run(app, job, worker_id[:64])
            ran.append(job.name)
    return ran


def claim_job(app: Flask, job: Job, *, worker_id: str) -> bool:
    rt = runtime(app)
    now = rt.clock.now()
    with rt.db.transaction() as session:
        session.execute(upsert_insert(session, JobRun).values(name=job.name)
                        .on_conflict_do_nothing(index_elements=["name"]))
        result = session.execute(
            update(JobRun).where(JobRun.name == job.name, _is_due(job, now))
            .values(last_started_at=now, locked_until=now + job.timeout, locked_by=worker_id)
            .execution_options(synchronize_session=False))
        return rowcount(result) == 1


def _is_due(job: Job, now: datetime):
    return and_(or_(JobRun.last_started_at.is_(None), JobRun.last_started_at <= now - job.every),
                or_(JobRun.locked_until.is_(None), JobRun.locked_until < now))


def _run(app: Flask, job: Job, worker_id: str) -> None:
    rt = runtime(app)
    error = None
    try:
        with app.app_context(), rt.db.transaction() as session:
            job.fn(app_service_context(app, session, JOB_ACTOR))
    except Exception as exc:  # one failing job must not stop delivery or the other jobs
        log.exception("periodic job %s failed", job.name)
        error = f"{type(exc).__name__}: {exc}"[:500]
    with rt.db.transaction() as session:
        session.execute(update(JobRun).where(JobRun.name == job.name, JobRun.locked_by == worker_id)
                        .values(locked_until=None, locked_by=None, last_finished_at=rt.clock.now(),
                                last_error=error).execution_options(synchronize_session=False))


# -- the outbox's own job ------------------------------------------------------------------------------

SENT_RETENTION = timedelta(days=30)


def prune_sent_messages(ctx: ServiceContext) -> int:
    """Delivered messages are kept 30 days (for staff to see what went out), then deleted."""
    cutoff = ctx.clock.now() - SENT_RETENTION
    result = ctx.session.execute(delete(OutboxMessage).where(OutboxMessage.status == "sent",
                                                             OutboxMessage.sent_at < cutoff)
                                 .execution_options(synchronize_session=False))
    return rowcount(result)


register_job("outbox.prune_sent", timedelta(hours=1), prune_sent_messages)

KINDS = ("task", "email", "webhook")
UNSENT = ("queued", "sending", "failed")


def publish_queue_gauges(ctx: ServiceContext) -> None:
    """Queue depth by kind and status, and the oldest unsent message's age by kind, for /metrics: computed here
    every 30 seconds (one grouped read of the unsent rows on the due index), never per scrape."""
    now = ctx.clock.now()
    rows = ctx.session.execute(
        select(OutboxMessage.kind, OutboxMessage.status, func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status.in_(UNSENT)).group_by(OutboxMessage.kind, OutboxMessage.status)).all()
    depth: dict[tuple[str, ...], float] = {(kind, status): 0.0 for kind in KINDS for status in UNSENT}
    oldest: dict[tuple[str, ...], float] = {(kind,): 0.0 for kind in KINDS}
    for kind, status, count, first in rows:
        depth[(kind, status)] = float(count)
        if status != "failed" and first is not None:
            oldest[(kind,)] = max(oldest.get((kind,), 0.0), (now - first).total_seconds())
    publish_gauge(ctx.session, "recovery_outbox_queue_depth", depth, now)
    publish_gauge(ctx.session, "recovery_outbox_oldest_age_seconds", oldest, now)


register_job("outbox.queue_gauges", timedelta(seconds=30), publish_queue_gauges)
