"""Drill: PostgreSQL stopped, crashed, frozen under load: 503 within seconds, never 500 or a hang; recovers."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest
from helpers.load import Answer, Load, send
from helpers.processes import serve, served_env
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from recovery.db import Database, Timeouts

BOUND = 6.0  # seconds: the longest a request may take while the database is unreachable (docs/operations.md)
RECOVERY = 5.0  # seconds after the database is back by which every request answers as usual


@pytest.fixture(scope="module")
def app_server(tmp_path_factory, drill_database):
    tmp_path = tmp_path_factory.mktemp("postgres-drill")
    server = serve(tmp_path, served_env(tmp_path, drill_database))
    try:
        yield server
    finally:
        server.stop()


def _calls(base: str) -> list[Callable[[], Answer]]:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    return [
        lambda: send("healthz", "GET", f"{base}/healthz"),
        lambda: send("sign-in", "POST", f"{base}/api/v1/sessions", json={"email": email, "password": "x" * 16}),
        lambda: send("appeal status", "GET", f"{base}/api/v1/appeals/status/{'s' * 40}"),
        lambda: send("sessions", "GET", f"{base}/api/v1/sessions", headers={"Authorization": "Bearer " + "x" * 43}),
    ]


def _drill(app_server, fault: Callable[[], None], restore: Callable[[], None], seconds: float) -> None:
    with Load(_calls(app_server.base)) as load:
        time.sleep(1.0)
        faulted = time.monotonic()
        fault()
        try:
            time.sleep(seconds)
        finally:
            restored = time.monotonic()
            restore()
        time.sleep(RECOVERY + 2.0)
        ended = time.monotonic()
    before = [a for a in load.answers if a.started + a.seconds < faulted]  # answered before the fault
    during = load.between(faulted + 0.2, restored)
    after = load.between(restored + RECOVERY, ended)
    for answer in load.answers:
        assert answer.status is not None and answer.status != 500, str(answer)
        assert answer.seconds < BOUND, str(answer)
    assert before and all(a.status < 500 for a in before), [str(a) for a in before if a.status >= 500]
    assert any(a.status == 503 for a in during), "the fault never reached a request"
    for answer in during:
        assert answer.status < 500 or (answer.status == 503 and answer.retry_after), str(answer)
    assert after and all(a.status < 500 for a in after), [str(a) for a in after if a.status >= 500]


def test_stopped_database_answers_503_then_recovers_without_restart(app_server, private_postgres):
    _drill(app_server, private_postgres.stop, private_postgres.start, seconds=3.0)


def test_crashed_database_answers_503_then_recovers_without_restart(app_server, private_postgres):
    _drill(app_server, private_postgres.kill, private_postgres.start, seconds=3.0)


def test_frozen_database_answers_503_within_seconds_then_recovers_without_restart(app_server, private_postgres):
    """Frozen longer than BOUND: a request that waited for it would break the bound."""
    _drill(app_server, private_postgres.freeze, private_postgres.thaw, seconds=BOUND + 2.0)


def test_statement_timeout_cancels_a_slow_statement_and_keeps_the_connection(drill_database):
    database = Database(drill_database, timeouts=Timeouts(statement=0.3))
    try:
        started = time.monotonic()
        with pytest.raises(DBAPIError, match="statement timeout"), database.transaction() as session:
            session.execute(text("SELECT pg_sleep(3)"))
        assert time.monotonic() - started < 1.0
        with database.transaction() as session:
            assert session.scalar(text("SELECT 1")) == 1
    finally:
        database.dispose()


def test_frozen_database_reply_is_given_up_then_a_new_connection_works(drill_database, private_postgres):
    database = Database(drill_database, timeouts=Timeouts(statement=0.3))
    try:
        with database.transaction() as session:
            session.execute(text("SELECT 1"))  # a pooled connection, made before the freeze
        private_postgres.freeze()
        try:
            started = time.monotonic()
            with pytest.raises(DBAPIError), database.transaction() as session:
                session.execute(text("SELECT 1"))
            assert time.monotonic() - started < 2.0  # the statement timeout (0.3 s) plus one second
        finally:
            private_postgres.thaw()
        with database.transaction() as session:
            assert session.scalar(text("SELECT 1")) == 1
    finally:
        database.dispose()
