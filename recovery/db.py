"""Engine, one session per request / command / job, the declarative Base and the UTC datetime column type."""

from __future__ import annotations

import time
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar, cast
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

import psycopg
from psycopg import _queries as psycopg_queries
from psycopg import pq
from psycopg.abc import PQGen
from sqlalchemy import (
    DateTime,
    Insert,
    MetaData,
    Table,
    bindparam,
    create_engine,
    event,
    exists,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy import delete as sql_delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, CursorResult, Dialect, Engine, Result
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql import TableClause
from sqlalchemy.sql.base import Executable
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


RV = TypeVar("RV")
AUTOCOMMIT = "AUTOCOMMIT"
LAZY_COMMIT = "recovery_lazy_commit"  # an execution option (SQLite) and the connection's state of it (execute_alone)
WRITTEN_TOGETHER = "recovery_written_together"  # session.info: entities written_together in this transaction
READ_ALONE = "recovery_read_alone"  # an execution option (SQLite): a plain BEGIN, not BEGIN IMMEDIATE (read_alone)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and always returns them aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return _aware(value)

    def result_processor(self, dialect, coltype):  # SQLAlchemy's signature
        """None on PostgreSQL through psycopg: every connection make_engine opens runs in TimeZone UTC, so the
        driver's values are aware and in `datetime.UTC` already (a page reads hundreds: the agent queue 300).
        Elsewhere _aware itself, one Python frame shorter than TypeDecorator's own; SQLite's text parsed first."""
        impl = self.impl_instance.result_processor(dialect, coltype)
        if impl is None and dialect.driver == "psycopg":
            return None
        if impl is None:
            return _aware

        def aware_from_driver(value: object) -> datetime | None:
            return _aware(impl(value))

        return aware_from_driver


# The zones a driver names UTC by (psycopg: the connection's TimeZone, "Etc/UTC" here, as a ZoneInfo): a value in
# one of them is moved to `UTC` by replacing its zone, which is exact (offset 0) and about a quarter of what
# converting through ZoneInfo costs (0.6 us; the queue page reads 300 times).
_UTC_NAMED = frozenset(ZoneInfo(key) for key in ("UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu"))


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    zone = value.tzinfo
    if zone is UTC:  # psycopg's values (the session's TimeZone is UTC: make_engine)
        return value
    if zone is None or zone in _UTC_NAMED:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Timeouts:
    """How long PostgreSQL work may wait before it fails (a 503 with Retry-After, web/errors.py) instead of
    hanging: `statement` is the server's statement_timeout (0: none), and a reply not received a second after it
    is given up by the client, for a server too frozen to enforce its own timeout; `connect` bounds opening a
    connection, `pool` waiting for one the pool lends."""

    statement: float = 0.0
    connect: int = 3
    pool: float = 5.0

    @property
    def reply(self) -> float | None:
        return self.statement + 1.0 if self.statement > 0 else None


def make_engine(url: str, *, pool_pre_ping: bool = False, timeouts: Timeouts = Timeouts()) -> Engine:
    """A pooled engine. Without pre-ping, a connection the server dropped (a restart, a failover) fails the one
    request that draws it (503, the error handlers) and SQLAlchemy then discards every connection older than
    the failure, so each worker reconnects on its next request; connections are also recycled after 30 minutes,
    before an idle timeout of a proxy in between can drop them silently."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    engine = create_engine(url, pool_pre_ping=pool_pre_ping, pool_recycle=1800, pool_size=10, max_overflow=10,
                           pool_timeout=timeouts.pool)
    if engine.dialect.driver == "psycopg":
        _bound_psycopg_waits(engine, timeouts)
        _keep_converted_statements()
        # Returned connections are not rolled back: in autocommit none is ever in a transaction.
        twin = create_engine(url, isolation_level=AUTOCOMMIT, pool_pre_ping=pool_pre_ping, pool_recycle=1800,
                             pool_size=2, max_overflow=10, pool_timeout=timeouts.pool, pool_reset_on_return=None)
        _bound_psycopg_waits(twin, timeouts)
        _AUTOCOMMIT_TWINS[engine] = twin
    return engine


# PostgreSQL: each engine's twin whose connections are always in autocommit (a pool of their own, at most 2
# kept open per process), for the statements that run alone (read_alone, write_together outside a transaction):
# no isolation level set on checkout and reset on return, and no ORM session, transaction or commit around
# them. A sign-in's three statements run there (docs/performance.md, "Sign-in, fifth session").
_AUTOCOMMIT_TWINS: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


def autocommit_twin(engine: Engine) -> Engine | None:
    """The autocommit twin of a PostgreSQL `engine` made by make_engine (None for SQLite)."""
    return _AUTOCOMMIT_TWINS.get(engine)


def _connect_alone(bind: Engine) -> Connection:
    """A pooled connection for one statement that needs no transaction of the request's: the autocommit twin's
    on PostgreSQL (no BEGIN or COMMIT round trip); on SQLite one in a deferred BEGIN (not the file's write lock)."""
    twin = _AUTOCOMMIT_TWINS.get(bind)
    if twin is not None:
        return twin.connect()
    options = {"isolation_level": AUTOCOMMIT} if bind.dialect.name == "postgresql" else {READ_ALONE: True}
    return bind.connect().execution_options(**options)


# psycopg rewrites a statement's `%(name)s` placeholders into `$1`, `$2` ... on every execution, and keeps the
# rewrite (an LRU of 128) only for statements with at most 50 parameters, against ORM-made INSERTs of many rows
# whose text never repeats. Every statement of recovery's is built once and bound (db.write_together's included:
# a sign-in's five rows are 58 parameters), so the text repeats and the rewrite can be kept: without it the
# sign-in's write was parsed by psycopg's regex on every request (about 0.3 ms of its CPU: docs/performance.md,
# "Sign-in and TOTP step, fourth session").
_CONVERTED_PARAMETERS = 200


def _keep_converted_statements() -> None:
    """psycopg's limit is a constant of its own module, read on each execution."""
    if getattr(psycopg_queries, "MAX_CACHED_STATEMENT_PARAMS", _CONVERTED_PARAMETERS) < _CONVERTED_PARAMETERS:
        psycopg_queries.MAX_CACHED_STATEMENT_PARAMS = _CONVERTED_PARAMETERS


def _rows_alone(bind: Engine, statement: Executable, params: dict[str, Any]) -> Sequence[Any]:
    """Every row of one statement run alone (_connect_alone). On PostgreSQL, a statement compiled once runs on
    the twin's psycopg connection itself (_Plain), without SQLAlchemy's execution context and result: its
    rows are named tuples, read by position or by column name as Core's rows are. The statement is compiled
    once per object (an identity cache of 128): pass statements built once, as module constants or cached."""
    twin = _AUTOCOMMIT_TWINS.get(bind)
    plain = _plain(twin.dialect, statement) if twin is not None else None
    if twin is None or plain is None:
        with _connect_alone(bind) as connection:
            return connection.execute(statement, params).all()
    return plain.run(twin, params)


@dataclass
class _Plain:
    """A statement compiled once for psycopg, as SQLAlchemy's execution would send it: its text, its parameters
    converted by their types' bind processors (a JSON value, a UTC time), its columns by their result
    processors. About 0.1 ms of CPU per statement against Core's 0.23 (docs/performance.md, "Sign-in, fifth
    session"); a statement SQLAlchemy would expand or complete in Python (post-compile parameters, column
    defaults computed in Python) is not made plain and runs through Core."""

    compiled: Any
    processors: dict[str, Callable[[Any], Any]]  # by bind name
    escaped: dict[str, str]  # a bind name -> the name sent, where they differ
    row: Any  # the named tuple of its columns
    results: list[Callable[[Any], Any] | None] | None = None  # set by the first run, from the driver's types

    def run(self, engine: Engine, params: dict[str, Any]) -> list[Any]:
        processors, escaped = self.processors, self.escaped
        sent = {escaped.get(name, name): processors[name](value) if name in processors else value
                for name, value in self.compiled.construct_params(params, escape_names=False).items()}
        try:
            connection = engine.raw_connection()
        except psycopg.Error as error:  # the database out of reach: DBAPIError, as Core's connect raises it (503)
            raise DBAPIError.instance(self.compiled.string, sent, error, psycopg.Error,
                                      dialect=engine.dialect) from error
        cursor = None
        started = time.perf_counter() if _PLAIN_WATCHERS else 0.0
        try:
            cursor = connection.cursor()
            cursor.execute(self.compiled.string, sent)
            # Asked of the result, not of cursor.description, which psycopg builds anew, a column at a time.
            returned = cursor.pgresult is not None and cursor.pgresult.status == pq.ExecStatus.TUPLES_OK
            found = cursor.fetchall() if returned else []
            if self.results is None and returned:
                self.results = [column.type._cached_result_processor(engine.dialect, described[1])
                                for column, described in zip(self.compiled._result_columns, cursor.description or (),
                                                             strict=True)]
        except psycopg.Error as error:
            raise _database_error(engine, connection, cursor, error, self.compiled.string, sent) from error
        finally:
            if cursor is not None:
                cursor.close()
            connection.close()
        for watcher in _PLAIN_WATCHERS:
            watcher(engine, self.compiled.string, (time.perf_counter() - started) * 1000)
        results, row = self.results or [], self.row
        if not any(results):
            return [row._make(each) for each in found]
        return [row._make([value if process is None else process(value) for process, value in
                           zip(results, each, strict=True)]) for each in found]


# Plain statements bypass SQLAlchemy's execution, and its engine events with it: a tool that watches statements
# (the bench's profiles, tests) also registers here, to be told of each with its engine, text and milliseconds.
_PLAIN_WATCHERS: list[Callable[[Engine, str, float], None]] = []


def watch_plain_statements(watcher: Callable[[Engine, str, float], None]) -> Callable[[], None]:
    """Tell `watcher` of every plain statement run (see _Plain) until the function returned is called."""
    _PLAIN_WATCHERS.append(watcher)
    return lambda: _PLAIN_WATCHERS.remove(watcher)


def _database_error(engine: Engine, connection: Any, cursor: Any, error: psycopg.Error, sql: str,
                    sent: dict[str, Any]) -> StatementError:
    """As SQLAlchemy's Connection would: DBAPIError (so web/errors.py answers 503 for a database out of reach),
    and a lost connection invalidated with every older one of the pool."""
    disconnect = engine.dialect.is_disconnect(cast(Any, error), connection.dbapi_connection, cursor)
    if disconnect:
        engine.pool._invalidate(connection, error)
    return DBAPIError.instance(sql, sent, error, psycopg.Error, connection_invalidated=disconnect,
                               dialect=engine.dialect)


@lru_cache(maxsize=128)
def _plain(dialect: Dialect, statement: Executable) -> _Plain | None:
    compiled: Any = cast(Any, statement).compile(dialect=dialect)
    if (compiled.positional or compiled.literal_execute_params or compiled.post_compile_params
            or compiled.insert_prefetch or compiled.update_prefetch or compiled.schema_translate_map
            or dialect.paramstyle != "pyformat"):
        return None
    row = namedtuple("Row", [column.keyname for column in compiled._result_columns], rename=True)  # type: ignore[misc]
    return _Plain(compiled, dict(compiled._bind_processors), dict(compiled.escaped_bind_names or {}), row)


def _bound_psycopg_waits(engine: Engine, timeouts: Timeouts) -> None:
    """Every connection of `engine` opens within `timeouts.connect`, carries the statement timeout, sends TCP
    keepalives (a peer that vanished is noticed on an idle connection) and gives up a reply after `timeouts.reply`."""

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect, _record, cargs, cparams):
        cparams.setdefault("connect_timeout", timeouts.connect)
        cparams.update(keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3)
        # The session's TimeZone is UTC, whatever the server's default (often "Etc/UTC") or the URL's options
        # (which come first on the line, so ours wins): psycopg then hands timestamptz values over in
        # `datetime.UTC` itself, and UTCDateTime needs no processor of its own on PostgreSQL (the agent queue
        # reads about 300 a page; docs/performance.md). A connection that still reports another zone (a pooler
        # that drops startup options) is set to UTC before it is used.
        settings = [f"-c statement_timeout={round(timeouts.statement * 1000)}"] if timeouts.statement > 0 else []
        cparams["options"] = " ".join([cparams.get("options", ""), *settings, "-c TimeZone=UTC"]).strip()
        connection = _BoundedConnection.connect(*cargs, **cparams)
        if connection.info.parameter_status("TimeZone") != b"UTC":
            connection.execute("SET TIME ZONE 'UTC'")
            connection.commit()
        connection.reply_timeout = timeouts.reply
        return connection


class _BoundedConnection(psycopg.Connection):
    """A psycopg connection that stops waiting for the server after `reply_timeout` seconds (None: never).

    The statement_timeout is the server's to enforce, which a frozen server (a stopped process, a full disk
    stalling its writes) cannot do: the reply's wait would last until it comes back. Given up mid-reply, the
    connection is closed (a late reply would be read as the next statement's), so the pool discards it.
    """

    reply_timeout: float | None = None

    def wait(self, gen: PQGen[RV], interval: float = 0.1, timeout: float | None = None) -> RV:
        try:
            return super().wait(gen, interval, self.reply_timeout if timeout is None else timeout)
        except psycopg.errors.OperationalError as error:
            if type(error).__name__ == "_WaitTimeout":  # psycopg's own "wait timeout expired"
                self.pgconn.finish()
            raise


def _sqlite_engine(url: str) -> Engine:
    # Several gunicorn workers and the delivery worker share one file: WAL, a busy timeout, and
    # BEGIN IMMEDIATE so writers queue instead of failing on a stale snapshot. Connections are pooled
    # (opening one and setting WAL on every request cost more than the request itself).
    engine = create_engine(url, poolclass=QueuePool, pool_size=5, max_overflow=10,
                           connect_args={"timeout": 15, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=FULL")  # every commit synced (a build may default to NORMAL under WAL)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # SQLite sets durability per connection and refuses to change it inside a transaction: a lazy one
        # (execute_alone) sets it before its BEGIN, and the next transaction on that connection sets it back.
        lazy = bool(connection.get_execution_options().get(LAZY_COMMIT))
        if connection.info.get(LAZY_COMMIT, False) != lazy:
            connection.exec_driver_sql(f"PRAGMA synchronous={'NORMAL' if lazy else 'FULL'}")
            connection.info[LAZY_COMMIT] = lazy
        connection.exec_driver_sql("BEGIN" if connection.get_execution_options().get(READ_ALONE) else "BEGIN IMMEDIATE")

    _set_wal_once(engine)
    return engine


def _set_wal_once(engine: Engine) -> None:
    """WAL is a property of the file: set it once per engine, not on every connection."""
    try:
        raw = engine.raw_connection()
    except Exception:  # noqa: BLE001 - an unreachable file surfaces on first use, as a 503
        return
    try:
        assert raw.driver_connection is not None  # None only once the connection is closed
        raw.driver_connection.execute("PRAGMA journal_mode=WAL")
    finally:
        raw.close()


def upsert_insert(where: Session | str, model: type[Base] | Table):
    """INSERT for `model` with ON CONFLICT clauses, in the dialect of a session's database or a dialect named
    "postgresql" or "sqlite" (both have them)."""
    dialect = where if isinstance(where, str) else where.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE run through Session.execute matched.

    Session.execute is typed to return Result, since a session cannot promise a cursor in every case; for these
    statements it is a CursorResult, the only kind with a rowcount, and SQLAlchemy leaves the cast to the caller.
    """
    return cast(CursorResult[Any], result).rowcount


def execute_alone(session: Session, statement: Insert, params: dict[str, Any], *, lazily: bool = False) -> None:
    """Insert one row as a transaction of its own, committed before this returns, when the request has nothing
    else to write; otherwise as part of the request's transaction.

    For a request whose whole write is this one row (the reset request's queued task). On PostgreSQL the row
    is committed as it is inserted (autocommit), which spares a transaction's BEGIN and COMMIT round trips, a
    sixth of that request's time (docs/performance.md, round 5); one statement is atomic on its own, so nothing
    can be half-written. The session is committed before this returns, which gives the connection back to the
    pool with its isolation level restored: anything the request does next is a transaction of its own.

    `lazily`: the commit does not wait for the database's log to reach the disk (PostgreSQL's synchronous_commit
    off, SQLite's synchronous=NORMAL, for this transaction only), so a crash of the database server or of the
    machine can lose the last such rows after their requests were answered. Only for a row whose loss costs the
    person a retry and nothing else, never security state (docs/security.md, "Durability"). On SQLite only a
    lazy row runs alone: a file has no round trips to spare.

    The row joins the session's transaction like any other statement, and commits with the request, when
    that transaction has begun (a signed-in request has read its session; a pending change begins one too,
    so autocommit never writes it a statement at a time) and when the session is bound to a test's outer
    transaction.
    """
    if lazily and not statement.compare(insert(statement.table)):
        raise ValueError("lazily is for a plain one-row insert: its lazy form is rebuilt from the table")
    bind = session.get_bind()
    on_postgresql = isinstance(bind, Engine) and bind.dialect.name == "postgresql"
    if session.in_transaction() or not isinstance(bind, Engine) or not (on_postgresql or lazily):
        session.execute(statement, params)
        return
    if on_postgresql:
        session.connection(execution_options={"isolation_level": AUTOCOMMIT})
        session.execute(_insert_committed_lazily(statement.table, tuple(params)) if lazily else statement, params)
    else:
        session.connection(execution_options={LAZY_COMMIT: True})  # the "begin" listener of _sqlite_engine
        session.execute(statement, params)
    session.commit()


@lru_cache(maxsize=8)
def _insert_committed_lazily(table: TableClause, columns: tuple[str, ...]) -> Insert:
    """PostgreSQL: a one-row INSERT of `columns` (bind parameters of the same names) that sets synchronous_commit
    off for its own transaction: set_config(..., true) in the statement, so it costs no round trip. Run alone,
    in autocommit, the statement is its transaction; inside a longer one it would make all of it lazy, which
    is why only execute_alone's alone path uses it."""
    lazy = select(func.set_config("synchronous_commit", "off", True).label("setting")).subquery("lazy_commit")
    values = select(*[bindparam(name, type_=table.c[name].type) for name in columns]).select_from(lazy)
    return insert(table).from_select(list(columns), values)


@dataclass(frozen=True)
class Row:
    """One row a capability hands to `write_together`: inserted, or, with `match`, the existing row whose `match`
    columns equal these values updated with the others (deleted, with `delete`). `on_missing` runs (in the same
    way as the rest: in the transaction, or alone in autocommit) when an update matched no row, e.g. an upsert
    for a row just deleted.

    The owner of the table builds its rows (`Row.of` a new entity, or a values dict); only the flow that
    composes several owners decides that they are written together."""

    table: Table
    values: dict[str, Any]
    match: tuple[str, ...] = ()
    on_missing: Callable[[Session], None] | None = None
    source: object | None = None  # the entity Row.of read, which stays out of the session
    delete: bool = False  # with `match`: the row is deleted (a one-time challenge used up)

    @classmethod
    def of(cls, entity: Base) -> Row:
        """A new entity's row: the columns it was given (the rest take their column defaults)."""
        table = cast(Table, type(entity).__table__)
        given = entity.__dict__
        return cls(table, {c.key: given[c.key] for c in table.columns if c.key in given}, source=entity)


M = TypeVar("M", bound=Base)


def loaded(model: type[M], values: dict[str, Any]) -> M:
    """An entity of `model` as a session's load would give it (every column in `values`), but detached: read
    alone (read_alone) rather than through the session, at a fraction of the ORM's loading cost. Reading it
    needs no session; to change it, add it to one first (it is then persistent, and its change is flushed)."""
    instance = model.__mapper__.class_manager.new_instance()
    instance.__dict__.update(values)  # the loaded state, as the ORM's loader sets it: no change history
    make_transient_to_detached(instance)
    return instance


def written_together(session: Session) -> list[object]:
    """The entities whose rows write_together wrote in the session's current transaction (after_commit
    listeners read it: such an entity is never `persistent` in the ORM's sense)."""
    return session.info.get(WRITTEN_TOGETHER, [])


def write_together(session: Session, rows: Sequence[Row], *, guard: Row | None = None) -> bool:
    """Write rows of several tables at once, each with one statement built once per shape.

    PostgreSQL: one statement of data-modifying CTEs (`WITH w0 AS (INSERT ... RETURNING 1), w1 AS (UPDATE ...
    RETURNING 1) SELECT count(*) ...`), which is atomic on its own: when the request has nothing else to
    write and no transaction has begun, it runs alone on a connection of the engine's autocommit twin, with no
    BEGIN and COMMIT round trips and without the session (nothing begun in it; the rows' entities go to the
    `on_committed_alone` listeners, the session's after_commit for them). SQLite, or within a transaction: the
    same rows in that transaction, one cached INSERT or UPDATE each (a file has no round trips to spare).
    A sign-in's attempt, device, events and session: 1 round trip instead of 7 (docs/performance.md).

    `guard`: an UPDATE or DELETE (a one-time challenge used up) that must match a row for any of `rows` to be
    written; in the one statement, every other row is conditioned on it. Returns False, having written nothing,
    when it matched none (another request used the challenge first); True otherwise.
    """
    if not rows and guard is None:
        return True
    bind = session.get_bind()
    on_postgresql = isinstance(bind, Engine) and bind.dialect.name == "postgresql"
    if not on_postgresql:
        if guard is not None and rowcount(session.execute(_row_statement(*_shape_of(guard), ""),
                                                          _params(guard, ""))) == 0:
            return False
        _remember_written(session, rows)
        for row in rows:
            matched = rowcount(session.execute(_row_statement(*_shape_of(row), ""), _params(row, "")))
            if matched == 0 and row.on_missing is not None:
                row.on_missing(session)
        return True
    alone = not (has_begun(session) or session.new or session.dirty or session.deleted)
    written = [guard, *rows] if guard is not None else list(rows)
    shape = tuple(_shape_of(row) for row in written)
    params = {name: value for i, row in enumerate(written) for name, value in _params(row, f"w{i}_").items()}
    statement = _together(shape, guard is not None)
    if alone:  # committed as it ran: the autocommit twin's connection, without the session
        counts = _rows_alone(cast(Engine, bind), statement, params)[0]
    else:
        counts = session.execute(statement, params).one()
    done = guard is None or counts[0] > 0
    if done:
        if alone:
            _committed_alone(session, rows)
        else:
            session.info["wrote"] = True  # a SELECT to SQLAlchemy, a write to the transaction
            _remember_written(session, rows)
        missing = [row for row, matched in zip(written, counts, strict=True)
                   if matched == 0 and row.on_missing is not None]
        for row in missing:
            cast(Callable[[Session], None], row.on_missing)(session)
        if alone and missing:  # e.g. a first sign-in's device upsert: a transaction of the session's
            session.commit()
    return done


# Called with the session and the entities (Row.source) of the rows write_together committed alone, outside
# any transaction of the session's, as they were committed: what an after_commit listener would do for them
# (the metrics' count of a sign-in's events, recovery/observability/metrics.py).
_COMMITTED_ALONE: list[Callable[[Session, list[object]], None]] = []


def on_committed_alone(listener: Callable[[Session, list[object]], None]) -> Callable[[Session, list[object]], None]:
    """Register `listener(session, entities)` for rows write_together commits alone (its after_commit)."""
    _COMMITTED_ALONE.append(listener)
    return listener


def _committed_alone(session: Session, rows: Sequence[Row]) -> None:
    entities = [row.source for row in rows if row.source is not None]
    if entities:
        for listener in _COMMITTED_ALONE:
            listener(session, entities)


def _remember_written(session: Session, rows: Sequence[Row]) -> None:
    session.info.setdefault(WRITTEN_TOGETHER, []).extend(row.source for row in rows if row.source is not None)


def _shape_of(row: Row) -> tuple[Table, tuple[str, ...], tuple[str, ...], bool]:
    return row.table, tuple(row.values), row.match, row.delete


def _params(row: Row, prefix: str) -> dict[str, Any]:
    return {f"{prefix}key_{name}" if name in row.match else prefix + name: value for name, value in row.values.items()}


@lru_cache(maxsize=64)
def _row_statement(table: Table, columns: tuple[str, ...], match: tuple[str, ...], delete: bool, prefix: str,
                   only_if: Any = None):
    """The row's INSERT, UPDATE or DELETE with bound values; `only_if`, a condition every other row of a guarded
    write_together carries (the guard's CTE has a row)."""
    values = {name: bindparam(prefix + name, type_=table.c[name].type) for name in columns if name not in match}
    keys = [table.c[name] == bindparam(f"{prefix}key_{name}", type_=table.c[name].type) for name in match]
    if only_if is not None:
        keys.append(only_if)
    if delete:
        return sql_delete(table).where(*keys)
    if match:
        return update(table).where(*keys).values(values)
    if only_if is None:
        return insert(table).values(values)
    return insert(table).from_select(list(values), select(*values.values()).where(only_if))


@lru_cache(maxsize=32)
def _together(shape: tuple[tuple[Table, tuple[str, ...], tuple[str, ...], bool], ...], guarded: bool = False):
    ctes: list[Any] = []
    for i, (table, columns, match, delete) in enumerate(shape):
        only_if = exists(select(literal_column("1")).select_from(ctes[0])) if guarded and i > 0 else None
        ctes.append(_row_statement(table, columns, match, delete, f"w{i}_", only_if)
                    .returning(literal_column("1")).cte(f"w{i}"))
    counts = [select(func.count()).select_from(cte).scalar_subquery() for cte in ctes]
    return select(*counts).add_cte(*ctes)


def read_alone(session: Session, statement: Executable, params: dict[str, Any]) -> Sequence[Any]:
    """The rows of one read that needs no transaction of the request's (a page that reads once and writes
    nothing): on a pooled connection of its own, returned at once, in autocommit on PostgreSQL (no BEGIN or
    COMMIT round trip) or in a deferred BEGIN on SQLite (not the file's write lock), without the session's
    transaction and its commit. Through the session, as any read, when it has begun a transaction (it sees
    what the request wrote) or is bound to a connection (a test's outer transaction)."""
    bind = session.get_bind()
    if has_begun(session) or not isinstance(bind, Engine):
        return session.execute(statement, params).all()
    return _rows_alone(bind, statement, params)


_BEGUN = "recovery_db_begun"  # session.info: a connection of the session's is in a transaction


def has_begun(session: Session) -> bool:
    """Whether the session holds a database transaction: a connection it began one on, not only the ORM's own
    bookkeeping (`in_transaction()` is true as soon as an entity is added, before any statement)."""
    return bool(session.info.get(_BEGUN))


@event.listens_for(Session, "after_begin")
def _began(session: Session, _transaction, _connection) -> None:
    session.info[_BEGUN] = True  # until the transaction ends (_ended)


def release_if_unwritten(session: Session) -> None:
    """End a transaction that has only read, before slow work (argon2) that needs no lock or connection.

    On SQLite the transaction holds the single write lock from BEGIN IMMEDIATE; on PostgreSQL it keeps a
    pooled connection "idle in transaction". A transaction that has written anything is left alone, and a
    session that has begun none (its reads went alone) has nothing to end.
    """
    if not session.in_transaction() or session.new or session.dirty or session.deleted or session.info.get("wrote"):
        return
    session.commit()


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    session.info["wrote"] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["wrote"] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("wrote", None)
        session.info.pop(WRITTEN_TOGETHER, None)
        session.info.pop(_BEGUN, None)


class Database:
    """Owns the engine and hands out sessions; tests may bind it to one connection rolled back per test."""

    def __init__(self, url: str, *, pre_ping: bool = False, timeouts: Timeouts = Timeouts()) -> None:
        self.url = url
        self.engine = make_engine(url, pool_pre_ping=pre_ping, timeouts=timeouts)
        self._factory = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def new_session(self) -> Session:
        return self._factory()

    def bind_to(self, connection: Connection | None) -> None:
        """Route every session through `connection` in a savepoint (tests), or back to the engine."""
        if connection is None:
            self._factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        else:
            self._factory = sessionmaker(bind=connection, expire_on_commit=False,
                                         join_transaction_mode="create_savepoint")

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work for CLI commands and worker batches: commit on success, roll back on error."""
        session = self.new_session()
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        twin = autocommit_twin(self.engine)
        if twin is not None:
            twin.dispose()
        self.engine.dispose()
