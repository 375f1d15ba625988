"""Observability's own tables: gauges the worker computes on a schedule, and each worker's heartbeat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from recovery.db import Base, UTCDateTime


class MetricGauge(Base):
    """One value of a gauge that needs a query (queue depth, SLA at risk): written by a periodic job, read by
    each scrape of /metrics, so a scrape costs one indexed read however large the tables are."""

    __tablename__ = "metric_gauges"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    labels: Mapped[str] = mapped_column(String(255), primary_key=True)  # canonical JSON of the label values
    value: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WorkerHeartbeat(Base):
    """When each worker process last went round its loop; /healthz reports a worker not seen for a while."""

    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lanes: Mapped[str] = mapped_column(String(64))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
