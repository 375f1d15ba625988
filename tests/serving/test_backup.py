"""scripts/backup and scripts/restore: a consistent copy while the service writes, restored into a new database with
every row, on SQLite (always) and on PostgreSQL (the suite's PostgreSQL pass, RECOVERY_TEST_DATABASE_URL)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from helpers.database import unit_of_work
from sqlalchemy import text
from sqlalchemy.engine import make_url

from recovery.accounts.service import sign_up
from recovery.app import create_app
from recovery.db import make_engine
from recovery.events.service import record_event
from recovery.migrate import upgrade
from recovery.web.context import runtime

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
TABLES = ("users", "security_events", "outbox_messages")


def _script(name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPTS / name), *args], capture_output=True, text=True, timeout=300,
                          env=env or dict(os.environ))


def _populate(app_config: dict, url: str) -> dict[str, int]:
    """Accounts, events and queued mail committed through the services, as a running service leaves them."""
    upgrade(url)
    app = create_app({**app_config, "database_url": url})
    try:
        for n in range(3):
            with unit_of_work(app) as ctx:
                sign_up(ctx, f"person{n}@example.com", "a sturdy passphrase for backups")
                record_event(ctx, "test.backup", user_id=None, n=n)
        return _counts(url)
    finally:
        runtime(app).db.dispose()


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {table: connection.scalar(text(f"SELECT count(*) FROM {table}")) for table in TABLES}  # noqa: S608
    finally:
        engine.dispose()


def test_sqlite_backup_while_writing_and_restore_into_a_new_file(app_config, tmp_path):
    source = f"sqlite:///{tmp_path / 'live.db'}"
    counts = _populate(app_config, source)
    assert counts["users"] == 3 and counts["outbox_messages"] >= 3
    writer = sqlite3.connect(tmp_path / "live.db")  # the service mid-transaction: its write is not in the copy
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO job_runs (name) VALUES ('uncommitted')")
    try:
        done = _script("backup", "--database-url", source, str(tmp_path / "backups" / "recovery.sqlite"))
    finally:
        writer.rollback()
        writer.close()
    assert done.returncode == 0, done.stderr
    backup = tmp_path / "backups" / "recovery.sqlite"
    assert backup.stat().st_mode & 0o077 == 0  # password hashes and sealed secrets: the owner's only
    restored = f"sqlite:///{tmp_path / 'restored.db'}"
    done = _script("restore", "--database-url", restored, str(backup))
    assert done.returncode == 0, done.stderr
    assert _counts(restored) == counts
    with sqlite3.connect(tmp_path / "restored.db") as copy:
        assert copy.execute("SELECT count(*) FROM job_runs WHERE name = 'uncommitted'").fetchone()[0] == 0
    again = _script("restore", "--database-url", restored, str(backup))
    assert again.returncode == 1 and "--force" in again.stderr  # never over a database by accident


def test_a_missing_tool_fails_the_backup_loudly(tmp_path):
    """The PostgreSQL pass must fail, not skip, on a machine without pg_dump: the script says so and exits 1."""
    done = subprocess.run([sys.executable, str(SCRIPTS / "dbbackup.py"), "backup", "--database-url",
                           "postgresql+psycopg://postgres@127.0.0.1:1/none", str(tmp_path / "x.dump")],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "PATH": str(tmp_path)})
    assert done.returncode == 1 and "pg_dump is not installed" in done.stderr
    assert not (tmp_path / "x.dump").exists()


FAKE_TOOL = """#!{python}
import json, os, sys
service = os.environ.get("PGSERVICEFILE")
seen = {{"argv": sys.argv, "PGPASSWORD": os.environ.get("PGPASSWORD"), "PGSERVICE": os.environ.get("PGSERVICE"),
        "service_file": open(service).read() if service else None,
        "service_mode": oct(os.stat(service).st_mode & 0o777) if service else None, "service_file_path": service}}
with open(os.path.join(os.path.dirname(sys.argv[0]), "calls.jsonl"), "a") as out:
    out.write(json.dumps(seen) + "\\n")
"""


def test_passwords_in_the_url_never_reach_the_tools_command_line(tmp_path):
    """`?password=` and `?sslpassword=` (as much as a password in the address) are read from any local user's
    `ps`: the password goes through PGPASSWORD, the key's passphrase through a private service file."""
    for tool in ("pg_dump", "pg_restore"):
        (tmp_path / tool).write_text(FAKE_TOOL.format(python=sys.executable))
        (tmp_path / tool).chmod(0o700)
    url = ("postgresql+psycopg://backup@db.example.test:5432/recovery"
           "?sslmode=verify-full&password=s3cret-pw&sslpassword=key-pass&sslkey=/k.pem")
    done = subprocess.run([sys.executable, str(SCRIPTS / "dbbackup.py"), "backup", "--database-url", url,
                           str(tmp_path / "x.dump")], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"})
    assert done.returncode == 0, done.stderr
    calls = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    dump = calls[0]
    assert Path(dump["argv"][0]).name == "pg_dump"
    command_line = " ".join(arg for call in calls for arg in call["argv"])
    assert "s3cret-pw" not in command_line and "key-pass" not in command_line
    assert dump["argv"][-1] == "--dbname=postgresql://backup@db.example.test:5432/recovery?sslmode=verify-full&sslkey=%2Fk.pem"
    assert dump["PGPASSWORD"] == "s3cret-pw" and dump["PGSERVICE"] == "recovery-backup"
    assert dump["service_file"] == "[recovery-backup]\nsslpassword=key-pass\n" and dump["service_mode"] == "0o600"
    assert not Path(calls[1]["service_file_path"]).exists()  # removed when the tools are done


@pytest.fixture
def postgres_databases(database_url):
    """Two new databases on the suite's PostgreSQL server (the backed-up one and the restore target), dropped after."""
    if database_url.startswith("sqlite"):
        pytest.skip("the PostgreSQL path runs in the PostgreSQL pass (RECOVERY_TEST_DATABASE_URL)")
    server = make_url(database_url)
    stem = f"{server.database}_bk{uuid.uuid4().hex[:8]}"
    names = (f"{stem}_src", f"{stem}_dst")
    admin = make_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield tuple(server.set(database=name).render_as_string(hide_password=False) for name in names)
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_postgresql_backup_and_restore_into_a_new_database(app_config, postgres_databases, tmp_path):
    source, target = postgres_databases
    counts = _populate(app_config, source)
    backup = tmp_path / "recovery.dump"
    done = _script("backup", "--database-url", source, str(backup))
    assert done.returncode == 0, done.stderr  # pg_dump missing in the PostgreSQL pass fails here, never skips
    assert backup.stat().st_mode & 0o077 == 0
    done = _script("restore", "--database-url", target, str(backup))
    assert done.returncode == 0, done.stderr
    assert _counts(target) == counts
    engine = make_engine(target)
    try:
        with engine.begin() as connection:  # the append-only trigger came back with the data
            with pytest.raises(Exception, match="append-only|not allowed|refuse"):
                connection.execute(text("DELETE FROM security_events"))
    finally:
        engine.dispose()
