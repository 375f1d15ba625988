"""How many web processes may serve: one when rate limits are counted in process memory, else any number.

Standard library only: `python3 -m recovery serve` reads it before the virtual environment exists, and gunicorn
reads it through `recovery/gunicorn_conf.py`.
"""

from __future__ import annotations

import errno
import os
import re
import socket
from collections.abc import Mapping
from pathlib import Path

STORAGE_ENV = "RECOVERY_RATELIMIT_STORAGE_URI"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The embedded server's shape: threads in one process when limits live in its memory, else two processes.
THREADS_IN_ONE_PROCESS = 8
SHARED_STORAGE_WORKERS = 2
SHARED_STORAGE_THREADS = 4


class SeveralProcessesOnMemoryLimits(SystemExit):
    """Each process would count every limit alone: N processes would let N times each limit through."""


def limits_in_process_memory(environ: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    return (environ.get(STORAGE_ENV) or "memory://").startswith("memory://")


def workers_and_threads(environ: Mapping[str, str] | None = None) -> tuple[int, int]:
    """The embedded server's processes and threads per process for this environment's limit storage."""
    if limits_in_process_memory(environ):
        return 1, THREADS_IN_ONE_PROCESS
    return SHARED_STORAGE_WORKERS, SHARED_STORAGE_THREADS


def refuse_several_processes(workers: int, environ: Mapping[str, str] | None = None) -> None:
    """Stop before serving when several processes would each count the limits in their own memory."""
    if workers > 1 and limits_in_process_memory(environ):
        raise SeveralProcessesOnMemoryLimits(
            f"error: {workers} worker processes with {STORAGE_ENV}=memory:// would each count every rate limit "
            "on its own, letting each limit through that many times. Run one worker with threads "
            "(--workers 1 --worker-class gthread --threads 8) or set "
            f"{STORAGE_ENV}=redis://host:6379/0.")


class PortInUse(SystemExit):
    """`serve` would bind a port another program holds: gunicorn would retry for a while, then exit 1 silently."""


def refuse_busy_port(port: int, host: str = "127.0.0.1") -> None:
    """Stop at once, naming the port and how to choose another, when something already listens on it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds: TIME_WAIT is no owner
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            raise PortInUse(
                f"error: port {port} on {host} is already in use (another recovery, or another program). "
                f"Choose another port with RECOVERY_PORT, e.g. `RECOVERY_PORT={_suggest(port, host)} python3 -m "
                "recovery serve`; emailed links follow it unless RECOVERY_BASE_URL is set.") from None


def _suggest(port: int, host: str) -> int:
    """A port above `port` that is free now (a hint only: it may be taken by the time it is used)."""
    for candidate in range(port + 1, min(port + 100, 65535)):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return candidate
    return port + 1


_METRIC_FILE = re.compile(r"[a-z_]+_(\d+)\.db")


def wipe_metrics_dir(environ: Mapping[str, str] | None = None) -> int:
    """Create PROMETHEUS_MULTIPROC_DIR if missing and remove the metric files of every process that no longer runs
    (a previous start's); returns how many went. A process still running keeps its file: `python3 -m recovery
    serve` starts its delivery worker beside gunicorn, and both count into the one directory /metrics reads."""
    path = (os.environ if environ is None else environ).get(MULTIPROC_ENV)
    if not path:
        return 0
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    removed = 0
    for file in directory.glob("*.db"):
        match = _METRIC_FILE.fullmatch(file.name)
        if match is None or not _running(int(match.group(1))):
            file.unlink(missing_ok=True)
            removed += 1
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it runs
        return True
    return True
