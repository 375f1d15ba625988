"""Observability fixtures: the heartbeat rows as committed."""

from __future__ import annotations

import pytest
from helpers.database import rows

from recovery.observability.models import WorkerHeartbeat


@pytest.fixture
def db_rows_heartbeats(app):
    return lambda: rows(app, WorkerHeartbeat, order=WorkerHeartbeat.worker_id)
