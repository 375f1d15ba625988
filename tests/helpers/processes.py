"""Private servers for fault drills (PostgreSQL, Redis, the app under gunicorn) that a drill stops, kills, freezes."""

# Each is a process of its own on a free port in a temporary directory, never the machine's shared PostgreSQL or
# Redis. A server that cannot be started raises: the drill fails, never skips. Freezing is SIGSTOP of every
# process of the server (PostgreSQL's backends too), thawing SIGCONT.

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.request import urlopen

import psycopg
import redis

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(ready, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if ready():
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not become ready within {timeout} s")


def _signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


def _children(pid: int) -> list[int]:
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(Path(stat).parent.name))
    return found


class PrivateServer:
    """One server process (and its children) that a drill controls by signals."""

    process: subprocess.Popen | None = None
    frozen = False
    stop_signal = signal.SIGTERM

    @property
    def pids(self) -> list[int]:
        assert self.process is not None, "not started"
        return [self.process.pid, *_children(self.process.pid)]

    def freeze(self) -> None:
        _signal_all(self.pids, signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        _signal_all(self.pids, signal.SIGCONT)
        self.frozen = False

    def kill(self) -> None:
        """A crash: SIGKILL for the server and every child, nothing flushed or closed."""
        pids = self.pids
        _signal_all(pids, signal.SIGKILL)
        self._reap(pids)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        if self.frozen:
            self.thaw()
        self.process.send_signal(self.stop_signal)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def _reap(self, pids: list[int]) -> None:
        assert self.process is not None
        self.process.wait(timeout=15)
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() and _state(pid) != "Z" for pid in pids[1:]):
            if time.monotonic() > deadline:
                raise RuntimeError("children of a killed server are still alive")
            time.sleep(0.02)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


class PrivateRedis(PrivateServer):
    """redis-server without persistence on a free port."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_timeout=1, socket_connect_timeout=1)
        wait_until(client.ping, f"private Redis on port {self.port}")
        return self


class PrivatePostgres(PrivateServer):
    """A PostgreSQL cluster made by initdb in a temporary directory of its own (`remove` deletes it), listening on
    127.0.0.1 at a free port with its unix socket in that directory. As root, it runs as the `postgres` user
    (initdb and postgres refuse root), which is why the directory is not under pytest's (root-only) tmp_path."""

    stop_signal = signal.SIGINT  # "fast" shutdown: connected clients do not hold it up

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="recovery-drill-pg-"))
        self.port = free_port()
        self.data = self.directory / "data"
        self.user = _server_user()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> PrivatePostgres:
        if not self.data.exists():
            self._initdb()
        log = open(self.directory / "postgres.log", "ab")  # noqa: SIM115 - the server process keeps it
        self.process = subprocess.Popen(
            [_pg_binary("postgres"), "-D", str(self.data), "-p", str(self.port), "-h", "127.0.0.1",
             "-k", str(self.directory), "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=60",
             "-c", "shared_buffers=16MB"],
            stdout=log, stderr=log, **self._as_user())
        log.close()
        wait_until(lambda: psycopg.connect(self.admin_url, connect_timeout=2).close() is None,
                   f"private PostgreSQL on port {self.port}")
        return self

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _initdb(self) -> None:
        if self.user is not None:
            os.chown(self.directory, self.user.pw_uid, self.user.pw_gid)
        result = subprocess.run(
            [_pg_binary("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
             "--no-sync", "--locale", "C"], capture_output=True, **self._as_user())
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed: {result.stderr.decode(errors='replace')}")

    def _as_user(self) -> dict:
        if self.user is None:
            return {}
        return {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}


def _server_user() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root and no unprivileged user to run PostgreSQL as")


def _pg_binary(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    found = candidates[0] if candidates else shutil.which(name)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed")
    return found


class ServedApp(PrivateServer):
    """wsgi:app under gunicorn (one gthread worker) with the given RECOVERY_* settings, as production runs it."""

    stop_signal = signal.SIGINT  # gunicorn's quick shutdown: a drill's last requests need no grace

    def __init__(self, directory: Path, env: dict[str, str], threads: int = 8) -> None:
        self.directory = directory
        self.port = free_port()
        self.env = env
        self.threads = threads

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServedApp:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.directory.mkdir(parents=True, exist_ok=True)
        log = open(self.directory / "gunicorn.log", "ab")  # noqa: SIM115 - the server process keeps it
        self.process = subprocess.Popen(
            [str(gunicorn), "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--worker-class", "gthread",
             "--threads", str(self.threads), "--timeout", "120", "--no-control-socket", "wsgi:app"],
            cwd=PROJECT_ROOT, env={**os.environ, **self.env}, stdout=log, stderr=log)
        log.close()
        wait_until(lambda: urlopen(f"{self.base}/healthz", timeout=5).status == 200,  # noqa: S310 - our own
                   "the served app", timeout=30)
        return self


@contextlib.contextmanager
def started(server: PrivateServer) -> Iterator[PrivateServer]:
    """Start `server` and stop it afterwards, thawing it first so nothing is left stopped."""
    server.start()  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        server.stop()


def served_env(tmp_path, database_url: str, ratelimit_storage_uri: str = "memory://") -> dict[str, str]:
    """The environment of an app a drill serves with gunicorn: its own directories, cheap argon2, wide budgets."""
    return {
        "RECOVERY_ENV": "testing",
        "RECOVERY_INSTANCE_DIR": str(tmp_path / "instance"),
        "RECOVERY_MAILBOX_DIR": str(tmp_path / "mailbox"),
        "RECOVERY_DATABASE_URL": database_url,
        "RECOVERY_RATELIMIT_STORAGE_URI": ratelimit_storage_uri,
        "RECOVERY_RATELIMIT_KEY_PREFIX": f"drill-{uuid.uuid4().hex[:8]}",
        "RECOVERY_SECRET_KEY": "drill-secret-key-that-is-long-enough-0123456789",
        "RECOVERY_ARGON2_TIME_COST": "1",
        "RECOVERY_ARGON2_MEMORY_COST": "256",
        # The drills make more requests from one address than the default budgets allow.
        "RECOVERY_SIGNIN_LIMITS": "10000 per minute",
        "RECOVERY_SIGNUP_LIMITS": "10000 per minute",
        "RECOVERY_MFA_IP_LIMITS": "10000 per minute",
    }


def serve(tmp_path, env: dict[str, str]) -> ServedApp:
    """The app served by gunicorn with `env`, started."""
    return ServedApp(tmp_path / "served", env).start()
