"""The database seam: a read-only transaction can be released before slow work; a written one never is."""

import os
from datetime import timedelta

import pytest
from helpers.csrf import csrf_from
from sqlalchemy import bindparam, create_engine, event, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from recovery import db as db_module
from recovery.accounts.models import User
from recovery.accounts.service import sign_up
from recovery.app import create_app
from recovery.clock import FrozenClock
from recovery.db import (
    Database,
    Row,
    _insert_committed_lazily,
    autocommit_twin,
    execute_alone,
    read_alone,
    release_if_unwritten,
    watch_plain_statements,
    write_together,
)
from recovery.detection.models import KnownDevice
from recovery.events.models import SecurityEvent
from recovery.events.service import record_event
from recovery.observability import metrics
from recovery.outbox.models import OutboxMessage
from recovery.outbox.tasks import TASK_KIND
from recovery.reset.service import REQUEST_TASK
from recovery.web.context import app_service_context, runtime


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
    """What a database restart does to pooled connections: the server ends them; the pools do not know yet (the
    engine's, and its autocommit twin's, where statements run alone: the session check's among them)."""
    engine = app.extensions["recovery"].db.engine
    pids = []
    for pool_of in (engine, autocommit_twin(engine)):
        pooled = pool_of.raw_connection()
        pids.append(pooled.driver_connection.info.backend_pid)
        pooled.close()  # back to the pool, where the next request will draw it
    admin = create_engine(engine.url)
    try:
        with admin.connect() as connection:
            for pid in pids:
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


def _queued_tasks(database: Database) -> list[str]:
    with database.transaction() as session:
        return list(session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.kind == TASK_KIND)))


def _probe_row(marker: str) -> dict:
    now = FrozenClock().now()
    return {"kind": TASK_KIND, "idempotency_key": marker, "recipient": marker, "template": None, "payload": {},
            "user_id": None, "status": "queued", "attempts": 0, "next_attempt_at": now, "created_at": now}


_ON_POSTGRESQL = os.environ.get("RECOVERY_TEST_DATABASE_URL", "").startswith("postgresql")


@pytest.fixture
def database(own_database):
    """recovery's Database on the test's own database: real commits, no outer test transaction."""
    database = Database(own_database)
    yield database
    database.dispose()


@pytest.mark.skipif(not _ON_POSTGRESQL, reason="autocommit is for PostgreSQL's round trips")
def test_a_statement_run_alone_is_committed_as_it_runs_and_the_next_transaction_is_whole_again(database):
    insert_task = insert(OutboxMessage.__table__)
    isolation: list[str | None] = []
    event.listen(database.engine, "before_cursor_execute", lambda conn, *_: isolation.append(
        conn.get_execution_options().get("isolation_level")))
    session = database.new_session()
    execute_alone(session, insert_task, _probe_row("alone"))
    assert isolation == ["AUTOCOMMIT"] and not session.in_transaction()
    session.rollback()  # too late: it committed as it ran
    assert _queued_tasks(database) == ["alone"]
    # The pooled connection is transactional again: two writes, rolled back together, leave nothing.
    session.execute(insert_task, _probe_row("first"))
    session.execute(insert_task, _probe_row("second"))
    session.rollback()
    session.close()
    assert _queued_tasks(database) == ["alone"]


def _read_first(session) -> list[str]:
    session.scalars(select(User).limit(1)).all()  # what a signed-in request does first: read its session
    return []


def _changed_after_a_commit(session) -> list[str]:
    earlier = OutboxMessage(**_probe_row("earlier"))
    session.add(earlier)
    session.commit()
    earlier.attempts = 1  # a pending change begins a transaction: autocommit must not write it on its own
    return ["earlier"]


@pytest.mark.parametrize("before", [
    pytest.param(lambda session: [], id="sqlite-nothing-before",
                 marks=pytest.mark.skipif(_ON_POSTGRESQL, reason="PostgreSQL runs it alone")),
    pytest.param(_read_first, id="transaction-begun"),
    pytest.param(_changed_after_a_commit, id="change-pending"),
])
def test_a_statement_run_alone_joins_the_requests_transaction_otherwise(database, before):
    """A begun transaction or a pending change is joined, and on SQLite (no round trips to spare) always:
    rolled back, the statement leaves nothing."""
    session = database.new_session()
    committed_before = before(session)
    execute_alone(session, insert(OutboxMessage.__table__), _probe_row("joined"))
    assert session.in_transaction()
    session.rollback()
    session.close()
    assert _queued_tasks(database) == committed_before


def _synchronous_commit(session) -> str:
    return session.scalar(text("SHOW synchronous_commit"))


@pytest.mark.skipif(not _ON_POSTGRESQL, reason="synchronous_commit is PostgreSQL's")
def test_a_lazy_row_skips_only_its_own_transactions_wal_flush(database):
    """Run alone, the row is written and committed, and the pooled connection is left as durable as before;
    the statement itself (run here inside a transaction only to see the setting it makes) would make a whole
    transaction lazy, which is why it runs only alone."""
    table = OutboxMessage.__table__
    sent: list[tuple[str | None, str]] = []
    event.listen(database.engine, "before_cursor_execute", lambda conn, _cursor, statement, *_: sent.append(
        (conn.get_execution_options().get("isolation_level"), statement)))
    session = database.new_session()
    execute_alone(session, insert(table), _probe_row("lazy"), lazily=True)
    assert [isolation for isolation, _ in sent] == ["AUTOCOMMIT"] and "set_config" in sent[0][1]
    assert _queued_tasks(database) == ["lazy"]
    assert _synchronous_commit(session) == "on"  # the same pooled connection, its next transaction
    session.rollback()
    session.execute(_insert_committed_lazily(table, tuple(_probe_row("inside"))), _probe_row("inside"))
    assert _synchronous_commit(session) == "off"
    session.rollback()
    session.close()
    assert _queued_tasks(database) == ["lazy"]


@pytest.mark.skipif(not _ON_POSTGRESQL, reason="synchronous_commit is PostgreSQL's")
def test_a_lazy_row_joined_to_a_begun_transaction_leaves_it_durable(database):
    session = database.new_session()
    _read_first(session)
    execute_alone(session, insert(OutboxMessage.__table__), _probe_row("joined"), lazily=True)
    assert _synchronous_commit(session) == "on"
    session.commit()
    session.close()
    assert _queued_tasks(database) == ["joined"]


@pytest.mark.skipif(_ON_POSTGRESQL, reason="SQLite's synchronous pragma")
def test_on_sqlite_a_lazy_row_commits_alone_at_synchronous_normal_and_nothing_else_does(database):
    """SQLite: 2 = FULL (the commit waits for the disk), 1 = NORMAL."""
    levels_at_commit: list[int] = []
    event.listen(database.engine, "commit", lambda connection: levels_at_commit.append(
        connection.exec_driver_sql("PRAGMA synchronous").scalar()))
    session = database.new_session()
    execute_alone(session, insert(OutboxMessage.__table__), _probe_row("lazy"), lazily=True)
    assert not session.in_transaction() and levels_at_commit == [1]
    session.rollback()  # too late: it committed alone
    _read_first(session)  # the same pooled connection: its next transaction is durable again
    execute_alone(session, insert(OutboxMessage.__table__), _probe_row("joined"), lazily=True)
    assert session.in_transaction()
    session.commit()
    session.close()
    assert levels_at_commit == [1, 2]
    assert _queued_tasks(database) == ["lazy", "joined"]
    assert levels_at_commit == [1, 2, 2]


def test_only_a_plain_one_row_insert_can_be_committed_lazily(database):
    session = database.new_session()
    with pytest.raises(ValueError, match="plain one-row insert"):
        execute_alone(session, insert(OutboxMessage.__table__).returning(OutboxMessage.id), _probe_row("x"),
                      lazily=True)
    session.close()
    assert _queued_tasks(database) == []


def _lazy_marks(engine) -> list[bool]:
    """Whether each write committed without waiting for the disk: PostgreSQL, per outbox insert (its statement
    sets synchronous_commit off); SQLite, per commit (1 = synchronous NORMAL)."""
    marks: list[bool] = []
    if engine.dialect.name == "postgresql":
        event.listen(engine, "before_cursor_execute", lambda _conn, _cursor, statement, *_: marks.append(
            "set_config" in statement) if statement.startswith("INSERT INTO outbox_messages") else None)
    else:
        event.listen(engine, "commit", lambda connection: marks.append(
            connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1))
    return marks


@pytest.fixture
def signed_in_app(own_database, app_config, clock):
    """A real engine (no test transaction), rate limits off, and the Bearer token of a signed-in account."""
    app = create_app({**app_config, "database_url": own_database, "ratelimits_enabled": False,
                      "require_email_verification": False}, clock=clock)
    try:
        client = app.test_client()
        with app.app_context(), runtime(app).db.transaction() as session:
            sign_up(app_service_context(app, session), "alone@example.com", "a long enough passphrase 1")
        signed_in = client.post("/api/v1/sessions", json={"email": "alone@example.com",
                                                          "password": "a long enough passphrase 1"})
        yield app, client, {"Authorization": f"Bearer {signed_in.get_json()['session_token']}"}
    finally:
        runtime(app).db.dispose()


def test_an_anonymous_reset_request_commits_its_task_lazily_and_a_signed_in_one_durably(signed_in_app):
    app, client, bearer = signed_in_app
    marks = _lazy_marks(runtime(app).db.engine)
    assert client.post("/api/v1/password-resets", json={"email": "nobody@example.com"}).status_code == 202
    assert marks == [True]
    assert client.post("/api/v1/password-resets", json={"email": "alone@example.com"},
                       headers=bearer).status_code == 202
    assert marks[0] and len(marks) > 1 and not any(marks[1:])
    assert _queued_tasks(runtime(app).db) == [REQUEST_TASK] * 2


def test_reset_requests_queue_committed_tasks_anonymous_or_signed_in(signed_in_app):
    """The anonymous request commits its task by itself; a signed-in one has read its session first, so the
    task joins that transaction and commits with the request."""
    app, client, bearer = signed_in_app
    assert client.post("/api/v1/password-resets", json={"email": "nobody@example.com"}).status_code == 202
    assert client.post("/api/v1/password-resets", json={"email": "alone@example.com"},
                       headers=bearer).status_code == 202
    page = client.post("/forgot", data={"email": "nobody@example.com",
                                        "csrf_token": csrf_from(client.get("/forgot").get_data(as_text=True))})
    assert page.status_code == 202 and b"Check your email" in page.get_data()  # rendered after the commit
    assert _queued_tasks(runtime(app).db) == [REQUEST_TASK] * 3


def test_a_sign_in_written_alone_counts_its_events_once_as_its_statement_commits(signed_in_app):
    """On PostgreSQL a sign-in's rows are one statement run alone on the autocommit twin, outside the session
    (db.write_together), so no commit of the session's counts them: they are counted as the statement succeeds
    (db.on_committed_alone), once each; on SQLite the request's commit counts them, as any event."""
    app, client, _bearer = signed_in_app
    counters = (metrics.SIGNINS.labels("success", ""), metrics.USER_EVENTS.labels("session.started", ""))
    before = [counter._value.get() for counter in counters]
    for _ in range(2):
        assert client.post("/api/v1/sessions", json={"email": "alone@example.com",
                                                     "password": "a long enough passphrase 1"}).status_code == 201
    assert [counter._value.get() for counter in counters] == [value + 2 for value in before]


@pytest.fixture(autouse=True)
def _plain_watchers_of_this_test_only(monkeypatch):
    monkeypatch.setattr(db_module, "_PLAIN_WATCHERS", [])


def _statements(database) -> list[tuple[str | None, str]]:
    """Each statement's isolation level and first two words, on the engine and on its autocommit twin
    (PostgreSQL: the statements run alone), whose connections are in autocommit from the start."""
    seen: list[tuple[str | None, str]] = []
    twin = autocommit_twin(database.engine)
    for engine in (database.engine, *([twin] if twin is not None else [])):
        event.listen(engine, "before_cursor_execute", lambda conn, _cursor, statement, *_: seen.append(
            ("AUTOCOMMIT" if conn.engine is twin else conn.get_execution_options().get("isolation_level"),
             " ".join(statement.split()[:2]))))
    if twin is not None:  # statements run plain, past SQLAlchemy's events
        watch_plain_statements(lambda engine, statement, _ms: seen.append(
            ("AUTOCOMMIT", " ".join(statement.split()[:2]))) if engine is twin else None)
    return seen


def _device_rows(database, user_id: int, inserted: list[str]) -> list[Row]:
    def insert_it(session) -> None:
        inserted.append("upsert")
        session.execute(insert(KnownDevice.__table__), {"user_id": user_id, "device_key": "d1", "browser": "B",
                                                        "first_seen_at": _NOW, "last_seen_at": _NOW})

    return [Row(KnownDevice.__table__, {"user_id": user_id, "device_key": "d1", "browser": "Firefox",
                                        "last_seen_at": _NOW}, match=("user_id", "device_key"),
                on_missing=insert_it)]


_NOW = FrozenClock().now()


def _user(database) -> int:
    session = database.new_session()
    user = User(email="rows@example.com", password_hash="x", password_changed_at=_NOW, created_at=_NOW)
    session.add(user)
    session.commit()
    session.close()
    return user.id


def test_rows_of_several_tables_are_written_together_and_an_update_that_matched_nothing_runs_its_fallback(database):
    """The sign-in's rows (an attempt, events, a session, a device's refresh) in one statement on PostgreSQL,
    in autocommit when the request has written nothing else; on SQLite one cached statement each. A device
    refresh that matched no row (a first sign-in from it) runs its upsert; a second time, the refresh does."""
    user_id = _user(database)
    statements, inserted = _statements(database), []
    session = database.new_session()
    events = [Row.of(SecurityEvent(type=f"test.together.{n}", user_id=user_id, actor_type="system", details={"n": n},
                                   created_at=_NOW)) for n in (1, 2)]
    write_together(session, [*events, *_device_rows(database, user_id, inserted)])
    session.commit()
    assert inserted == ["upsert"]
    if _ON_POSTGRESQL:
        writes = [s for s in statements if not s[1].startswith(("BEGIN", "COMMIT"))]
        # the statement alone, committed as it ran; the upsert after it in a transaction of the session's
        assert writes == [("AUTOCOMMIT", "WITH w0"), (None, "INSERT INTO")]
    write_together(session, _device_rows(database, user_id, inserted))
    session.commit()
    assert inserted == ["upsert"]
    check = database.new_session()
    assert check.scalars(select(SecurityEvent.details).where(SecurityEvent.type.like("test.together.%"))
                         .order_by(SecurityEvent.id)).all() == [{"n": 1}, {"n": 2}]
    assert check.scalars(select(KnownDevice.browser).where(KnownDevice.user_id == user_id)).all() == ["Firefox"]
    check.close()
    session.close()


def test_rows_written_together_join_a_begun_transaction_and_roll_back_with_it(database):
    user_id = _user(database)
    statements = _statements(database)
    session = database.new_session()
    session.scalars(select(User).limit(1)).all()  # the request's transaction has begun
    write_together(session, [Row.of(SecurityEvent(type="test.joined", user_id=user_id, actor_type="system",
                                                  details={}, created_at=_NOW))])
    assert all(isolation != "AUTOCOMMIT" for isolation, _ in statements)
    session.rollback()
    session.close()
    check = database.new_session()
    assert check.scalars(select(SecurityEvent).where(SecurityEvent.type == "test.joined")).all() == []
    check.close()


def test_rows_written_with_a_guard_are_written_only_when_the_guard_matched_a_row(database):
    """A second factor's session: its rows are written with the challenge's use (a DELETE) as their guard, in one
    statement in autocommit on PostgreSQL, each conditioned on it; when another request used it first nothing is
    written and write_together answers False."""
    user_id = _user(database)
    setup = database.new_session()
    setup.execute(insert(KnownDevice.__table__), {"user_id": user_id, "device_key": "guard", "browser": "B",
                                                  "first_seen_at": _NOW, "last_seen_at": _NOW})
    setup.commit()
    setup.close()
    guard = Row(KnownDevice.__table__, {"user_id": user_id, "device_key": "guard"}, match=("user_id", "device_key"),
                delete=True)
    statements = _statements(database)
    for attempt, expected in (("first", True), ("second", False)):
        session = database.new_session()
        rows = [Row.of(SecurityEvent(type=f"test.guard.{attempt}", user_id=user_id, actor_type="system",
                                     details={}, created_at=_NOW))]
        assert write_together(session, rows, guard=guard) is expected
        session.commit()
        session.close()
    if _ON_POSTGRESQL:
        writes = [s for s in statements if not s[1].startswith(("BEGIN", "COMMIT"))]
        assert writes == [("AUTOCOMMIT", "WITH w0"), ("AUTOCOMMIT", "WITH w0")]
    check = database.new_session()
    assert check.scalars(select(SecurityEvent.type).where(SecurityEvent.type.like("test.guard.%"))).all() == [
        "test.guard.first"]
    check.close()


def test_a_read_alone_takes_no_transaction_of_the_session_and_a_begun_one_reads_its_own_writes(database):
    """The status page's one read: a connection of its own, in autocommit on PostgreSQL and a deferred BEGIN on
    SQLite (never the write lock), the session left without a transaction; once the session has begun one, the
    read goes through it and sees what it wrote."""
    statements = _statements(database)
    session = database.new_session()
    queued = select(OutboxMessage.recipient).where(OutboxMessage.recipient.like("alone-%"))
    assert read_alone(session, queued, {}) == []
    assert not session.in_transaction()
    read = [statement for statement in statements if statement[1].startswith(("BEGIN", "SELECT"))]
    if _ON_POSTGRESQL:
        assert read == [("AUTOCOMMIT", "SELECT outbox_messages.recipient")]
    else:
        assert [what for _isolation, what in read] == ["BEGIN", "SELECT outbox_messages.recipient"]
    session.execute(insert(OutboxMessage.__table__), _probe_row("alone-1"))
    assert [row.recipient for row in read_alone(session, queued, {})] == ["alone-1"]
    session.rollback()
    session.close()
    assert _queued_tasks(database) == []


def test_times_are_stored_as_utc_and_read_back_aware_through_the_orm_and_core(app, services):
    from datetime import UTC, datetime, timedelta, timezone

    from recovery.db import UTCDateTime, _aware

    shanghai = datetime(2026, 12, 7, 8, 30, 15, 123456, tzinfo=timezone(timedelta(hours=8)))
    with services() as ctx:
        user = User(email="times@example.test", password_hash="x", password_changed_at=shanghai, role="user",
                    status="active", locale="en", created_at=shanghai)
        ctx.session.add(user)
        ctx.session.flush()
        user_id = user.id
    with services() as ctx:
        read = ctx.session.get(User, user_id)
        core = ctx.session.execute(select(User.__table__.c.created_at).where(User.__table__.c.id == user_id)).scalar()
        for value in (read.created_at, core):
            assert value == shanghai and value.tzinfo is UTC and value.hour == 0
        with pytest.raises(Exception, match="naive"):
            ctx.session.execute(select(User.id).where(User.created_at < datetime(2026, 1, 1))).all()
    dialect = runtime(app).db.engine.dialect
    processor = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    if dialect.name == "postgresql":  # the connections run in UTC: psycopg's values need nothing
        assert processor is None
    else:
        assert processor(None) is None
    from zoneinfo import ZoneInfo
    for zone in (ZoneInfo("Etc/UTC"), ZoneInfo("Asia/Shanghai"), timezone(timedelta(hours=-5)), UTC):
        moment = datetime(2026, 7, 1, 12, 0, tzinfo=zone)
        read = _aware(moment)  # a bound value's and SQLite's way back
        assert read == moment and read.tzinfo is UTC and read.utcoffset() == timedelta(0)
    assert _aware(datetime(2026, 7, 1, 12, 0)) == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # SQLite's naive text


@pytest.mark.skipif(not _ON_POSTGRESQL, reason="the session's TimeZone is PostgreSQL's")
def test_postgresql_sessions_run_in_utc_so_the_driver_hands_over_utc_itself(database):
    """make_engine names TimeZone=UTC on every connection: psycopg then gives timestamptz values in `UTC` itself
    (no ZoneInfo to convert from), whatever the server's default zone; the URL's own options still apply."""
    from datetime import UTC
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW TimeZone").scalar() == "UTC"
        assert connection.exec_driver_sql("SHOW search_path").scalar().startswith("race_")  # own_database's
        raw = connection.exec_driver_sql("SELECT TIMESTAMPTZ '2026-07-01 20:00:00+08'").scalar()
    assert raw.tzinfo is UTC and raw.hour == 12


@pytest.mark.skipif(not _ON_POSTGRESQL, reason="the session's TimeZone is PostgreSQL's")
def test_a_url_naming_another_time_zone_still_gets_utc_sessions(own_database):
    """The URL's options come first on the startup line, so TimeZone=UTC wins; the ORM reads UTC either way."""
    from datetime import UTC

    from sqlalchemy.engine import make_url

    url = make_url(own_database)
    options = url.query.get("options", "")
    database = Database(url.update_query_dict({"options": f"{options} -c TimeZone=Asia/Shanghai".strip()})
                        .render_as_string(hide_password=False))
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW TimeZone").scalar() == "UTC"
            created = connection.execute(select(User.__table__.c.created_at).limit(1)).scalar()
        assert created is None or created.tzinfo is UTC
    finally:
        database.dispose()


@pytest.mark.skipif(not _ON_POSTGRESQL, reason="the session's TimeZone is PostgreSQL's")
def test_a_connection_whose_startup_options_were_dropped_is_set_to_utc_before_use(own_database, monkeypatch):
    """A pooler that passes no startup options on (the server's own zone, Shanghai here) still gives UTC."""
    from recovery import db as db_module

    opened = db_module._BoundedConnection.connect

    def without_our_options(*args, **kwargs):
        kwargs["options"] = "-c TimeZone=Asia/Shanghai"  # what the server would default to behind the pooler
        return opened(*args, **kwargs)

    monkeypatch.setattr(db_module._BoundedConnection, "connect", without_our_options)
    database = Database(own_database)
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW TimeZone").scalar() == "UTC"
    finally:
        database.dispose()


@pytest.mark.skipif(not _ON_POSTGRESQL, reason="statements run plain on PostgreSQL's autocommit twin only")
def test_a_read_alone_run_plain_answers_what_core_answers_and_its_errors_are_sqlalchemys(database):
    """read_alone and write_together run their statement on the twin's psycopg connection itself (db._Plain):
    the same rows as through SQLAlchemy, by position and by name, times aware in UTC, JSON as values, parameters
    converted by their types (a UTC time bound, a JSON value written); a failed statement raises SQLAlchemy's
    DBAPIError, which web/errors.py maps, and the connection goes back to the pool usable."""
    from datetime import UTC

    user_id = _user(database)
    written = Row.of(SecurityEvent(type="test.plain", user_id=user_id, actor_type="system",
                                   details={"n": 1, "where": "plain"}, created_at=_NOW))
    plain_runs: list[str] = []
    watch_plain_statements(lambda _engine, statement, _ms: plain_runs.append(statement.split()[0]))
    session = database.new_session()
    assert write_together(session, [written]) and not session.in_transaction()
    read = (select(SecurityEvent.id, SecurityEvent.details, SecurityEvent.created_at, User.email)
            .join(User, User.id == SecurityEvent.user_id)
            .where(SecurityEvent.type == bindparam("type"), SecurityEvent.created_at >= bindparam("since")))
    params = {"type": "test.plain", "since": _NOW}
    plain = read_alone(session, read, params)
    with database.engine.connect() as connection:
        core = connection.execute(read, params).all()
    assert plain_runs == ["WITH", "SELECT"]
    assert [tuple(row) for row in plain] == [tuple(row) for row in core] and len(plain) == 1
    assert plain[0].details == {"n": 1, "where": "plain"} and plain[0].email == "rows@example.com"
    assert plain[0].created_at == _NOW and plain[0].created_at.tzinfo is UTC
    with pytest.raises(DBAPIError):
        read_alone(session, select(text("1 / 0")), {})
    assert read_alone(session, select(func.count()).select_from(SecurityEvent.__table__), {})[0][0] >= 1
    session.close()


def _authenticated(app, token: str, change=None):
    """sessions.authenticate on a session of its own, as a request's; `change(user_session, user)` before the
    commit. Answers what the session held before any change: (found, began a transaction, dirty)."""
    from recovery.db import has_begun
    from recovery.sessions.service import authenticate

    with app.app_context():
        session = runtime(app).db.new_session()
        try:
            found = authenticate(app_service_context(app, session), token)
            state = (found, has_begun(session), set(session.dirty))
            if change is not None and found is not None:
                change(*found)
            session.commit()
            return state
        finally:
            session.close()


def test_who_is_asking_is_read_alone_yet_changed_and_touched_through_the_request(signed_in_app, clock):
    """The session and its account are read without a transaction of the request's (a page that only reads
    begins none for them) and put in its session as loaded: a change to either is written with its commit,
    and the once-a-minute touch of last_seen_at still is."""
    from recovery.sessions.models import UserSession

    app, _client, bearer = signed_in_app
    token = bearer["Authorization"].split()[1]
    (user_session, user), began, dirty = _authenticated(
        app, token, change=lambda _session, account: setattr(account, "time_zone", "Asia/Shanghai"))
    assert not began and not dirty  # signed in just now: nothing to touch yet
    clock.advance(timedelta(minutes=2))
    (touched, _user), began, dirty = _authenticated(app, token)
    assert not began and {type(entity) for entity in dirty} == {UserSession}
    with app.app_context():
        session = runtime(app).db.new_session()
        try:
            stored = session.get(User, user.id)
            assert stored.time_zone == "Asia/Shanghai"
            assert session.get(UserSession, user_session.id).last_seen_at == clock.now()
        finally:
            session.close()
