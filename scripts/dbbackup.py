#!/usr/bin/env python3
"""Back up and restore recovery's database: PostgreSQL with pg_dump / pg_restore, SQLite with its online backup API.

    scripts/backup  [--database-url URL] FILE   # a consistent copy, safe while recovery runs
    scripts/restore [--database-url URL] FILE   # into an empty PostgreSQL database, or a new SQLite file

The database is `--database-url`, else RECOVERY_DATABASE_URL, else the development SQLite file
(RECOVERY_INSTANCE_DIR or instance/, recovery.db), as recovery itself reads it. Standard library only, so it runs
with any python3 on the host. The backup holds password hashes, token digests and encrypted secrets: it is written
readable by its owner only (0600); keep it as you keep the database. A PostgreSQL password in the URL (address or
`?password=`) goes to the tools through PGPASSWORD, the key's `?sslpassword=` through a private service file, never
on their command line. docs/operations.md, "Backups and restore".
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


class BackupError(RuntimeError):
    """What went wrong, in words an operator can act on; the command exits 1 with it."""


def database_url(explicit: str | None, environ=os.environ) -> str:
    if explicit:
        return explicit
    if environ.get("RECOVERY_DATABASE_URL"):
        return environ["RECOVERY_DATABASE_URL"]
    instance = Path(environ.get("RECOVERY_INSTANCE_DIR") or ROOT / "instance")
    return f"sqlite:///{instance / 'recovery.db'}"


def sqlite_path(url: str) -> Path:
    """sqlite:///relative.db or sqlite:////absolute.db (SQLAlchemy's forms), without a query string."""
    rest = url.split("://", 1)[1].split("?", 1)[0]
    if not rest.startswith("/") or rest == "/":
        raise BackupError(f"not a SQLite file URL: {url}")
    return Path(rest[1:])  # "/relative.db" or "//absolute.db"


# Connection parameters that are secrets: never on a tool's command line (any local user reads it with ps).
# libpq takes the password from PGPASSWORD; the client key's passphrase has no environment variable, so it goes
# in a service file readable by its owner only, for the length of the run.
SECRET_PARAMETERS = ("password", "sslpassword")
SERVICE = "recovery-backup"


def libpq(url: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """The SQLAlchemy URL as a libpq connection URI without its secrets (a password in the address or in the query
    string, the key's `sslpassword`), the environment carrying the password, and the secrets for a service file."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in {"postgresql", "postgres"}:
        raise BackupError(f"not a PostgreSQL URL: {scheme}://...")
    env = dict(os.environ)
    netloc = parts.netloc
    secrets: dict[str, str] = {}
    if parts.password is not None:
        secrets["password"] = unquote(parts.password)
        user = parts.username or ""
        netloc = f"{user}@{netloc.rsplit('@', 1)[1]}"
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in SECRET_PARAMETERS:
            secrets[key] = value  # the query's, as libpq would read it after the address
        else:
            query.append((key, value))
    if "password" in secrets:
        env["PGPASSWORD"] = secrets.pop("password")
    return urlunsplit(("postgresql", netloc, parts.path, urlencode(query), "")), env, secrets


@contextmanager
def connection(url: str) -> Iterator[tuple[str, dict[str, str]]]:
    """`libpq(url)`'s URI and environment; a secret with no environment variable is in a private service file
    (PGSERVICEFILE, PGSERVICE) that is removed when the tools are done."""
    uri, env, secrets = libpq(url)
    if not secrets:
        yield uri, env
        return
    if "service" in dict(parse_qsl(urlsplit(uri).query)) or env.get("PGSERVICE"):
        raise BackupError("sslpassword in the URL cannot be combined with a libpq service: put it in the service "
                          "file instead")
    if any("\n" in value or "\r" in value for value in secrets.values()):
        raise BackupError("a line break in sslpassword cannot be passed to the tools")
    folder = Path(tempfile.mkdtemp(prefix="recovery-backup-"))  # 0700
    try:
        service_file = folder / "pg_service.conf"
        fd = os.open(service_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(f"[{SERVICE}]\n" + "".join(f"{key}={value}\n" for key, value in secrets.items()))
        yield uri, {**env, "PGSERVICEFILE": str(service_file), "PGSERVICE": SERVICE}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client, the major version of "
                          "the server or newer)")
    return found


def _run(argv: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True)  # noqa: S603 - fixed tools, our arguments
    if done.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _private_file(path: Path) -> Path:
    """A new file next to `path`, readable by its owner only, to be renamed over it when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    os.chmod(name, 0o600)
    return Path(name)


def backup(url: str, target: Path) -> str:
    partial = _private_file(target)
    try:
        if url.startswith("sqlite"):
            source = sqlite_path(url)
            if not source.exists():
                raise BackupError(f"no SQLite database at {source}")
            _sqlite_copy(source, partial)
            what = f"SQLite {source}"
        else:
            with connection(url) as (uri, env):
                # Custom format: compressed, restored selectively and in parallel; one consistent snapshot (a
                # single transaction), while the service keeps writing.
                _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}",
                      f"--dbname={uri}"], env)
                _run([_tool("pg_restore"), "--list", str(partial)], env)  # readable, whole
            what = f"PostgreSQL {urlsplit(uri).path.lstrip('/')}"
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return f"backed up {what} to {target} ({target.stat().st_size} bytes)"


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy of the committed state while other connections read and write
    (WAL); pages changed during the copy make it start again, so it always finishes on a consistent snapshot."""
    with sqlite3.connect(source, timeout=30) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, whatever mode the source ran in
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
    src.close()
    dst.close()
    if check != "ok":
        raise BackupError(f"the copy failed SQLite's integrity check: {check}")


def restore(url: str, source: Path, *, force: bool = False) -> str:
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    if url.startswith("sqlite"):
        target = sqlite_path(url)
        if target.exists() and target.stat().st_size and not force:
            raise BackupError(f"{target} exists: restore into a new file (RECOVERY_DATABASE_URL), or stop recovery "
                              "and pass --force to replace it")
        partial = _private_file(target)
        try:
            _sqlite_copy(source, partial)
            for suffix in ("-wal", "-shm"):  # a replaced database's journal must not be replayed onto the copy
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        return f"restored {source} into SQLite {target}"
    with connection(url) as (uri, env):
        # Into an empty database (createdb first): in one transaction, stopping at the first error, so a database
        # that already holds tables is left as it was.
        _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              f"--dbname={uri}", str(source)], env)
    return f"restored {source} into PostgreSQL {urlsplit(uri).path.lstrip('/')}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"scripts/{argv[0]}" if argv else "scripts/dbbackup.py")
    parser.add_argument("command", choices=["backup", "restore"])
    parser.add_argument("file", type=Path, help="the backup file to write (backup) or read (restore)")
    parser.add_argument("--database-url", help="default: RECOVERY_DATABASE_URL, else the development SQLite file")
    parser.add_argument("--force", action="store_true", help="restore: replace an existing SQLite file")
    args = parser.parse_args(argv)
    url = database_url(args.database_url)
    try:
        if args.command == "backup":
            print(backup(url, args.file))
        else:
            print(restore(url, args.file, force=args.force))
    except (BackupError, sqlite3.Error, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
