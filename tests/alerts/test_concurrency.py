"""Several hosts sighting the same attack at the same moment grow one alert, and no sighting is lost."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from recovery.alerts.models import Alert
from recovery.alerts.service import raise_alert
from recovery.app import create_app
from recovery.web.context import app_service_context, runtime

pytestmark = pytest.mark.concurrency
RAISERS = 4
ROUNDS = 3


def test_simultaneous_sightings_open_one_alert_and_count_every_one(own_database, app_config, clock):
    apps = [create_app({**app_config, "database_url": own_database}, clock=clock) for _ in range(RAISERS)]
    try:
        for _ in range(ROUNDS):
            start = threading.Barrier(RAISERS)
            threads = [threading.Thread(target=_sight, args=(app, start)) for app in apps]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        with apps[0].app_context(), runtime(apps[0]).db.transaction() as session:
            alerts = list(session.scalars(select(Alert).where(Alert.rule == "credential_stuffing")))
        assert len(alerts) == 1
        assert alerts[0].count == RAISERS * ROUNDS
    finally:
        for app in apps:
            runtime(app).db.dispose()


def _sight(app, start: threading.Barrier) -> None:
    with app.app_context():
        start.wait()
        with runtime(app).db.transaction() as session:
            raise_alert(app_service_context(app, session), rule="credential_stuffing", severity="high",
                        source="203.0.113.9", evidence={"accounts": 50})
