"""One bench run: its options, working directory, processes, databases (created fresh, dropped at the end)."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.procs import Processes

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/{db}"
DEFAULT_SECONDS = 20.0
QUICK_SECONDS = 5.0


@dataclass
class Run:
    workdir: Path
    procs: Processes
    postgres: bool = False
    quick: bool = False
    workers: int = field(default_factory=lambda: os.cpu_count() or 2)
    threads: int = 1  # per worker: 1 = sync workers; more = gthread workers, as `python -m recovery serve` runs
    redis_db: int = 0  # the Redis database of the rate limits (a run's keys carry its run_id either way)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    databases: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """How long each load runs: 20 s, or about 5 s with --quick."""
        return QUICK_SECONDS if self.quick else DEFAULT_SECONDS

    @property
    def connections(self) -> int:
        """Enough open connections to keep every worker thread busy while the others wait in the backlog."""
        return 2 * self.workers * self.threads if self.threads == 1 else self.workers * self.threads

    @property
    def limits_storage(self) -> str:
        return REDIS_URL.format(db=self.redis_db) if self.postgres else "memory://"

    @property
    def database_kind(self) -> str:
        return "PostgreSQL + Redis" if self.postgres else "SQLite"

    def new_database(self, name: str) -> str:
        """A fresh database for one server under test: a SQLite file, or a new PostgreSQL database."""
        if not self.postgres:
            return f"sqlite:///{self.workdir / f'{name}.db'}"
        database = f"bench_{self.run_id}_{name}"
        _admin(f'CREATE DATABASE "{database}"')
        self.databases.append(database)
        return PG_SERVER.rsplit("/", 1)[0] + "/" + database

    def drop_databases(self) -> None:
        for database in reversed(self.databases):
            try:
                _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            except Exception as exc:  # keep dropping the others; say which one is left behind
                print(f"bench: could not drop database {database}: {exc}")
        self.databases.clear()


def _admin(statement: str) -> None:
    engine = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def check_services(redis_db: int = 0) -> list[str]:
    """What --postgres needs and cannot reach (PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379)."""
    problems = []
    try:
        _admin("SELECT 1")
    except Exception as exc:
        problems.append(f"PostgreSQL at 127.0.0.1:5432 (user postgres, trust): {type(exc).__name__}: {exc}")
    try:
        import redis

        redis.Redis.from_url(REDIS_URL.format(db=redis_db), socket_connect_timeout=2).ping()
    except Exception as exc:
        problems.append(f"Redis at 127.0.0.1:6379: {type(exc).__name__}: {exc}")
    return problems
