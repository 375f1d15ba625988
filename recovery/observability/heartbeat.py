"""The worker's heartbeat: a row per worker process, written as it goes round its loop, read by /healthz."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from recovery.observability.models import WorkerHeartbeat

FORGET_AFTER = timedelta(days=1)  # a worker gone this long is no longer listed


def beat(session: Session, *, worker_id: str, lanes: str, pid: int, now: datetime) -> None:
    """Record that `worker_id` is alive now (one row per worker process, updated in place)."""
    row = session.get(WorkerHeartbeat, worker_id[:64])
    if row is None:
        session.add(WorkerHeartbeat(worker_id=worker_id[:64], lanes=lanes[:64], pid=pid, started_at=now,
                                    seen_at=now))
    else:
        row.seen_at = now
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < now - FORGET_AFTER)
                    .execution_options(synchronize_session=False))
    session.flush()


@dataclass(frozen=True)
class WorkerHealth:
    state: str  # "ok", "stale" (no heartbeat within the limit) or "none" (no worker has ever beaten)
    last_seen: datetime | None


def worker_health(session: Session, *, now: datetime, stale_after: timedelta) -> WorkerHealth:
    """Whether any worker went round its loop within `stale_after` (one indexed read)."""
    last = session.scalar(select(func.max(WorkerHeartbeat.seen_at)))
    if last is None:
        return WorkerHealth("none", None)
    return WorkerHealth("ok" if now - last <= stale_after else "stale", last)
