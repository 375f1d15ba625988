"""Shared fixtures: a migrated test database (SQLite or RECOVERY_TEST_DATABASE_URL), one app per configuration
reset for each test and whose database work each test rolls back, a frozen clock, the test people (Ada first),
and helpers to act through the domain services.

Every helper behind them lives in the tests/helpers/ package and is imported as `from helpers.<module> import
...` (tests/ is on sys.path, as for `conftest`); a test module never imports another test module or a conftest.
Fixtures live here when more than one package uses them, in a package's conftest.py when only it does.

A service the tests are told to use (PostgreSQL, Redis) and cannot reach makes the run fail, never skip.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from functools import partial

import pytest
from helpers.apps import AppCache, CachedApp, config_key
from helpers.csrf import form_token
from helpers.database import rows, unit_of_work
from helpers.detection import IPS, fixed_geo
from helpers.outbox import run_queued_tasks
from helpers.people import ADA, Accounts, People, TicketPeople
from sqlalchemy import text
from sqlalchemy.engine import make_url

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
def app_settings(database_url, ratelimit_storage_uri, ratelimit_prefix) -> dict:
    """The test apps' settings, without directories: `make_app` gives each cached app directories of its own.
    Override this (not `app_config`) to change the settings of every app of a package or module."""
    return {
        "env": "testing",
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


@pytest.fixture
def app_config(app_settings, tmp_path) -> dict:
    """The settings with this test's own directories, for tests that call `create_app` themselves."""
    return {**app_settings, "instance_dir": tmp_path / "instance", "mailbox_dir": tmp_path / "mailbox"}


@pytest.fixture(scope="session")
def app_cache(tmp_path_factory):
    """One app per configuration for the whole run (tests/helpers/apps.py says what is reset between tests)."""
    cache = AppCache(lambda: tmp_path_factory.mktemp("app"))
    yield cache
    cache.close()


def _reset_limits(app) -> None:
    if not app.config.get("RATELIMIT_ENABLED", True):
        return  # a disabled limiter has no storage to reset
    with app.app_context():
        limiter.reset()


@pytest.fixture
def make_app(app_settings, app_cache, clock, tmp_path):
    """The app of these settings plus `overrides`, built once per configuration and reset for this test; its
    database work is rolled back when the test ends. `fresh=True` builds one for this test alone (a test that
    changes the app itself: adds a route, disposes its engine)."""
    made: dict = {}

    def factory(*, fresh: bool = False, **overrides):
        config = {**app_settings, **overrides}
        key = ("fresh", len(made)) if fresh else config_key(config)
        if key in made:  # the same configuration twice in one test: the same app, already bound
            return made[key][0].app
        if fresh:
            cached = CachedApp.build({"instance_dir": tmp_path / f"instance-{len(made)}",
                                      "mailbox_dir": tmp_path / f"mailbox-{len(made)}", **config}, clock)
        else:
            cached = app_cache.get(config, clock)
        cached.begin(clock)
        db = runtime(cached.app).db
        connection = db.engine.connect()
        transaction = connection.begin()
        db.bind_to(connection)
        _reset_limits(cached.app)
        made[key] = (cached, connection, transaction, fresh)
        return cached.app

    yield factory
    for cached, connection, transaction, fresh in made.values():
        transaction.rollback()
        connection.close()
        cached.restore()
        if fresh:
            runtime(cached.app).db.dispose()


@pytest.fixture
def app(request, make_app):
    """The app of the test settings, shared with every other test of them; a test marked `fresh_app` (it changes
    the app itself, such as adding a route) gets one of its own."""
    return make_app(fresh=request.node.get_closest_marker("fresh_app") is not None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def services(app):
    """`with services() as ctx:` runs domain operations in one committed unit of work, as a CLI command would."""
    return partial(unit_of_work, app)


# The people each package's tests get: accounts made through the accounts service where that service (or what is
# built on it) is under test, committed rows elsewhere. A module chooses its own with a module-level `PEOPLE = ...`.
PEOPLE_BY_PACKAGE: dict[str, type[People] | type[Accounts]] = {
    "accounts": Accounts, "sessions": Accounts, "mfa": Accounts, "tickets": TicketPeople,
}


@pytest.fixture
def people(request, app, services, client) -> People | Accounts:
    """The test people of this package (`PEOPLE_BY_PACKAGE`) or module (`PEOPLE`): `People` (rows, signed in
    through the sessions service) unless said otherwise."""
    package = request.path.relative_to(request.config.rootpath / "tests").parts[0]
    kind = getattr(request.module, "PEOPLE", None) or PEOPLE_BY_PACKAGE.get(package, People)
    return kind(app, services, client)


@pytest.fixture
def ada(people) -> int:
    """Ada's account (helpers.people.ADA, the shared PASSWORD), made the way this test's `people` make accounts."""
    return people.new_account(ADA)


@pytest.fixture
def signed_in_ada(people, ada) -> int:
    """Ada's account, signed in on the test's client: through the sign-in page for `Accounts`, by the session
    cookie of a browser sign-in for `People`."""
    people.sign_in(ADA if isinstance(people, Accounts) else ada)
    return ada


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


@pytest.fixture
def csrf(client):
    """Fetch a page and return the CSRF token of its form, as a browser would."""

    def token(path: str = "/") -> str:
        return form_token(client, path)

    return token


@pytest.fixture(scope="session")
def _one_geo():
    return fixed_geo()


@pytest.fixture
def geo(_one_geo):
    """The fixed geo answers (helpers.detection.IPS), as they were at the start of the test: one lookup object for
    the whole run, so the apps built with it are cached like any other."""
    _one_geo.answers.clear()
    _one_geo.answers.update(IPS)
    return _one_geo


@pytest.fixture
def overrides() -> dict:
    """Settings for this test's app in the detection and alerts tests: parametrize `overrides` to change them."""
    return {}
