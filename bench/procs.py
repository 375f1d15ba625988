"""Every process the bench starts (gunicorn, sinks, workers) in its own process group, stopped at the end.

`Processes` is a context manager: whatever happens inside (an exception, Ctrl-C), each process group it
started gets SIGTERM, then SIGKILL after a grace period, so no server outlives the run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class StartFailed(RuntimeError):
    """A server did not answer in time; the message holds the end of its log."""


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Processes:
    logdir: Path
    started: list[Proc] = field(default_factory=list)

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop_all()

    def start(self, name: str, argv: list[str], *, env: dict[str, str] | None = None, port: int | None = None,
              cwd: Path = ROOT) -> Proc:
        log = self.logdir / f"{name}.log"
        handle = log.open("ab")
        full_env = {**os.environ, **(env or {})}
        full_env.setdefault("PYTHONPATH", str(ROOT))
        popen = subprocess.Popen(argv, cwd=cwd, env=full_env, stdout=handle, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)  # own process group
        handle.close()
        proc = Proc(name, popen, log, port)
        self.started.append(proc)
        return proc

    def stop(self, proc: Proc, grace: float = 10.0) -> int | None:
        """SIGTERM to the whole group (gunicorn's workers too), SIGKILL if it is still there after `grace`."""
        if proc in self.started:
            self.started.remove(proc)
        _signal_group(proc.popen, signal.SIGTERM)
        try:
            return proc.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            _signal_group(proc.popen, signal.SIGKILL)
            return proc.popen.wait(timeout=5)
        finally:
            _signal_group(proc.popen, signal.SIGKILL)  # stragglers of the group (a worker whose master died)

    def stop_all(self) -> None:
        for proc in reversed(list(self.started)):
            try:
                self.stop(proc)
            except Exception as exc:  # keep stopping the others
                print(f"bench: could not stop {proc.name} (pid {proc.popen.pid}): {exc}", file=sys.stderr)


def _signal_group(popen: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(popen.pid, sig)  # start_new_session made the pid the group id
    except (ProcessLookupError, PermissionError):
        pass


@dataclass(frozen=True)
class Stat:
    """What the bench reads from one line of /proc/PID/stat."""

    pid: int
    ppid: int
    group: int  # the process group
    cpu_ticks: int  # user + system
    rss_pages: int


def parse_stat(line: str) -> Stat:
    """One /proc/PID/stat line; the command name (in parentheses, may hold spaces and ')') is skipped."""
    head, rest = line.rsplit(")", 1)
    fields = rest.split()  # fields[0] is field 3 of proc(5), the state
    return Stat(pid=int(head.split("(", 1)[0]), ppid=int(fields[1]), group=int(fields[2]),
                cpu_ticks=int(fields[11]) + int(fields[12]), rss_pages=int(fields[21]))


def group_stats(proc: Proc) -> list[Stat]:
    """Every live process in the group a Proc started (gunicorn's master and workers, or one worker)."""
    stats = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = parse_stat((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue
        if stat.group == proc.popen.pid:  # start_new_session made the pid the group id
            stats.append(stat)
    return stats


def group_cpu_seconds(proc: Proc) -> float:
    """User + system CPU seconds of every live process in the group (gunicorn's master and workers)."""
    return sum(stat.cpu_ticks for stat in group_stats(proc)) / os.sysconf("SC_CLK_TCK")


def group_rss(proc: Proc) -> dict[int, int]:
    """Resident memory in bytes of every live process in the group, by pid."""
    page = os.sysconf("SC_PAGE_SIZE")
    return {stat.pid: stat.rss_pages * page for stat in group_stats(proc)}


def wait_http(proc: Proc, path: str = "/", *, timeout: float = 60.0) -> None:
    """Until the server answers any HTTP status on `path` (it may answer 404 or 405: it is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise StartFailed(f"{proc.name} exited with {proc.popen.returncode}:\n{proc.tail()}")
        try:
            with urllib.request.urlopen(proc.url + path, timeout=2):  # noqa: S310 - our own 127.0.0.1 server
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise StartFailed(f"{proc.name} did not answer on {proc.url}{path} within {timeout:.0f} s:\n{proc.tail()}")


def wait_port(proc: Proc, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise StartFailed(f"{proc.name} exited with {proc.popen.returncode}:\n{proc.tail()}")
        try:
            with socket.create_connection((HOST, proc.port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise StartFailed(f"{proc.name} did not listen on {HOST}:{proc.port}:\n{proc.tail()}")


def gunicorn_argv(app_spec: str, port: int, workers: int, threads: int = 1) -> list[str]:
    """The one gunicorn configuration every server under test gets: same workers, same threads (gthread workers
    as `python -m recovery serve` runs them; sync workers with threads=1), no access log."""
    worker = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else ["--worker-class", "sync"]
    return [str(BIN / "gunicorn"), "--bind", f"{HOST}:{port}", "--workers", str(workers), *worker,
            "--backlog", "2048", "--timeout", "120", "--graceful-timeout", "5", "--log-level", "warning",
            "--no-control-socket", app_spec]


def run_checked(argv: list[str], *, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    """A short set-up step (migrate, seed) in its own interpreter; its stdout, or an error with its output."""
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("PYTHONPATH", str(ROOT))
    done = subprocess.run(argv, cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} failed ({done.returncode}):\n{done.stdout[-2000:]}"
                           f"\n{done.stderr[-3000:]}")
    return done.stdout
