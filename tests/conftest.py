"""Shared fixtures: a migrated test database (SQLite or RECOVERY_TEST_DATABASE_URL), an app per test whose
database work is rolled back afterwards, a frozen clock, and helpers to act through the domain services.
The helpers behind them (people, rows, CSRF tokens) live in tests/people.py.

A service the tests are told to use (PostgreSQL, Redis) and cannot reach makes the run fail, never skip.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from functools import partial

import pytest
from people import People, csrf_from, rows, unit_of_work
from sqlalchemy import text
from sqlalchemy.engine import make_url

from recovery.app import create_app
from recovery.clock import FrozenClock
from recovery.db import make_engine
from recovery.migrate import upgrade
from recovery.outbox.models import OutboxMessage
from recovery.web.context import runtime
from recovery.web.ratelimit import limiter

TEST_DATABASE_ENV = "RECOVERY_TEST_DATABASE_URL"
TEST_LIMITS_ENV = "RECOVERY_TEST_RATELIMIT_STORAGE_URI"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get(TEST_DATABASE_ENV) or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    upgrade(url)  # raises (and so fails the run) when the database cannot be reached
    return url


@pytest.fixture(scope="session")
def ratelimit_storage_uri() -> str:
    uri = os.environ.get(TEST_LIMITS_ENV, "memory://")
    if uri.startswith("redis"):
        import redis

        redis.Redis.from_url(uri, socket_connect_timeout=2).ping()  # unreachable Redis fails the run
    return uri


@pytest.fixture(scope="session")
def ratelimit_prefix() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def own_database(database_url, tmp_path):
    """A database (SQLite file) or schema (PostgreSQL) of its own, for tests whose threads need real commits:
    what they commit (accounts, append-only events) cannot be rolled back or deleted, so it is dropped whole."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'race.db'}"
        upgrade(url)
        yield url
        return
    schema = f"race_{uuid.uuid4().hex[:12]}"
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        upgrade(url.render_as_string(hide_password=False))
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def app_config(database_url, ratelimit_storage_uri, ratelimit_prefix, tmp_path) -> dict:
    return {
        "env": "testing",
        "instance_dir": tmp_path / "instance",
        "mailbox_dir": tmp_path / "mailbox",
        "database_url": database_url,
        "secret_key": "test-secret-key-that-is-long-enough-0123456789",
        "base_url": "https://recovery.example.test",
        "ratelimit_storage_uri": ratelimit_storage_uri,
        "ratelimit_key_prefix": ratelimit_prefix,
        # Cheap argon2 so the suite stays fast; production parameters are measured in bench/.
        "argon2_time_cost": 1,
        "argon2_memory_cost": 256,
        "argon2_parallelism": 1,
        # No sleeping floor under padded answers (tests/web/test_equal_time.py tests it); learned padding stays.
        "equal_time_floor_ms": 0,
    }


def _reset_limits(app) -> None:
    if not app.config.get("RATELIMIT_ENABLED", True):
        return  # a disabled limiter has no storage to reset
    with app.app_context():
        limiter.reset()


@pytest.fixture
def make_app(app_config, clock):
    """Build an app with extra settings; its database work is rolled back when the test ends."""
    made = []

    def factory(**overrides):
        app = create_app({**app_config, **overrides}, clock=clock)
        db = runtime(app).db
        connection = db.engine.connect()
        transaction = connection.begin()
        db.bind_to(connection)
        _reset_limits(app)
        made.append((app, connection, transaction))
        return app

    yield factory
    for app, connection, transaction in made:
        transaction.rollback()
        connection.close()
        runtime(app).db.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def services(app):
    """`with services() as ctx:` runs domain operations in one committed unit of work, as a CLI command would."""
    return partial(unit_of_work, app)


@pytest.fixture
def people(app, services, client) -> People:
    """Accounts added as rows and signed in through the sessions service (the accounts, sessions and MFA tests
    override it with `Accounts`, users made through the accounts service)."""
    return People(app, services, client)


@pytest.fixture
def outbox(app):
    """The emails queued so far, newest last, optionally only those to one address: first the worker runs the
    tasks requests queued (a reset request queues one), as it does within its poll interval."""

    def messages(to: str | None = None, template: str | None = None) -> list[OutboxMessage]:
        run_queued_tasks(app)
        where = [OutboxMessage.kind != "task"]
        if to is not None:
            where.append(OutboxMessage.recipient == to)
        if template is not None:
            where.append(OutboxMessage.template == template)
        return rows(app, OutboxMessage, *where, order=OutboxMessage.id)

    return messages


def run_queued_tasks(app) -> int:
    """Run every due task (never send mail or webhooks) as a delivery worker would; returns how many ran."""
    from recovery.outbox.delivery import deliver_due
    from recovery.outbox.tasks import TASK_KIND

    ran = 0
    while (batch := deliver_due(app, batch_size=100, worker_id="test-tasks", kinds=(TASK_KIND,))):
        ran += batch
    return ran


@pytest.fixture
def csrf(client):
    """Fetch a page and return the CSRF token of its form, as a browser would."""

    def token(path: str = "/") -> str:
        return csrf_from(client.get(path).get_data(as_text=True))

    return token
