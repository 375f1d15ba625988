"""The database seam: a read-only transaction can be released before slow work; a written one never is."""

import os

import pytest
from sqlalchemy import create_engine, select, text

from recovery.accounts.models import User
from recovery.app import create_app
from recovery.db import release_if_unwritten
from recovery.events.service import record_event


def test_release_ends_a_transaction_that_only_read(app, services):
    with services() as ctx:
        ctx.session.scalars(select(User).limit(1)).all()
        assert ctx.session.in_transaction()
        release_if_unwritten(ctx.session)
        assert not ctx.session.in_transaction()


def test_release_keeps_a_transaction_with_pending_or_flushed_writes(app, services):
    with services() as ctx:
        record_event(ctx, "test.pending", user_id=None)
        release_if_unwritten(ctx.session)
        assert ctx.session.in_transaction() and ctx.session.new
        ctx.session.flush()
        release_if_unwritten(ctx.session)
        assert ctx.session.in_transaction()
        ctx.session.rollback()


@pytest.mark.skipif(os.environ.get("RECOVERY_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="SQLite pragmas")
def test_sqlite_files_are_in_wal_mode_with_foreign_keys(services):
    with services() as ctx:
        assert ctx.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert ctx.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def _terminate_pooled_connection(app) -> None:
    """What a database restart does to a pooled connection: the server ends it; the pool does not know yet."""
    engine = app.extensions["recovery"].db.engine
    pooled = engine.raw_connection()
    pid = pooled.driver_connection.info.backend_pid
    pooled.close()  # back to the pool, where the next request will draw it
    admin = create_engine(engine.url)
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()


@pytest.mark.skipif(not os.environ.get("RECOVERY_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="PostgreSQL connection pooling")
@pytest.mark.parametrize("pre_ping, first_answer", [(False, 503), (True, None)])
@pytest.mark.parametrize("path, headers, normal", [
    ("/healthz", {}, 200),
    ("/api/v1/sessions", {"Authorization": "Bearer " + "x" * 43}, 401),  # the token lookup meets the dead one
])
def test_a_connection_the_server_dropped_costs_at_most_one_503(app_config, clock, pre_ping, first_answer, path,
                                                               headers, normal):
    app = create_app({**app_config, "database_pre_ping": pre_ping}, clock=clock)
    try:
        client = app.test_client()
        assert client.get(path, headers=headers).status_code == normal
        _terminate_pooled_connection(app)
        first = client.get(path, headers=headers)
        assert first.status_code == (first_answer or normal)
        if first.status_code == 503:
            assert first.headers["Retry-After"]
        assert client.get(path, headers=headers).status_code == normal  # the pool has reconnected
    finally:
        app.extensions["recovery"].db.dispose()
