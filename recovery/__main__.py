"""`python3 -m recovery serve | test`: set up the environment and run the service or the test suite.

Standard library only, so it runs on a fresh clone before anything is installed. Both commands are
idempotent: the virtual environment is created once and reinstalled only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from recovery.serving import MULTIPROC_ENV, refuse_busy_port, wipe_metrics_dir, workers_and_threads

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
STAMP = VENV / ".recovery-installed"
INSTALL_STEPS = 3
CHROMIUM = "/usr/bin/chromium"


def _python() -> str:
    return str(BIN / "python")


def ensure_environment(extras: str) -> None:
    """Create .venv and install recovery into it, saying what each step does: a first install takes about a
    minute, and pip's own lines (one per package collected and installed) show it moving."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    installed = STAMP.read_text().split() if STAMP.exists() else []
    if (BIN / "python").exists() and wanted in installed:
        return
    started = time.monotonic()
    if not (BIN / "python").exists():
        _step(1, "creating the virtual environment in .venv")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    _step(2, "updating pip in .venv")
    subprocess.run([_python(), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    _step(3, f"installing recovery{extras} and its dependencies into .venv (about a minute the first time)")
    subprocess.run([_python(), "-m", "pip", "install", "--progress-bar", "on", "-e", f".{extras}"], check=True,
                   cwd=ROOT)
    STAMP.write_text(" ".join([*installed, wanted]))
    print(f"[{INSTALL_STEPS}/{INSTALL_STEPS}] installed in {time.monotonic() - started:.0f} s; the next run skips "
          "this until pyproject.toml changes", flush=True)


def _step(number: int, what: str) -> None:
    print(f"[{number}/{INSTALL_STEPS}] {what} ...", flush=True)


def ensure_chromium() -> None:
    """Browser tests drive Debian's chromium; install it when we may (root with apt), else say how."""
    if Path(CHROMIUM).exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing Debian's chromium for the browser tests ...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
        return
    print(f"warning: {CHROMIUM} is missing; install Debian's chromium package or the browser tests fail",
          file=sys.stderr)


def serve() -> int:
    port = serving_port(os.environ)
    refuse_busy_port(int(port))  # before installing anything: say so at once, not after gunicorn's retries
    ensure_environment("")
    flask = [str(BIN / "flask"), "--app", "wsgi", "recovery"]
    print("applying database migrations ...", flush=True)
    subprocess.run([*flask, "init-db"], check=True, cwd=ROOT)
    subprocess.run([*flask, "help-import"], check=True, cwd=ROOT)  # the starter articles (idempotent)
    env = web_environment(os.environ)
    wipe_metrics_dir(env)  # before the worker starts: gunicorn's own wipe then leaves the live worker's file
    worker = subprocess.Popen([*flask, "worker"], cwd=ROOT, env=env)
    print(f"\nrecovery is starting on http://localhost:{port} (outbox delivery runs beside it).\n"
          "Create the first staff account with:\n"
          "  .venv/bin/flask --app wsgi recovery create-staff --email you@example.com --role admin\n"
          f"Health at http://localhost:{port}/healthz, Prometheus metrics at http://localhost:{port}/metrics.\n"
          + _mail_note(env, port), flush=True)
    web = subprocess.Popen(gunicorn_command(port, env), cwd=ROOT, env=env)
    return _wait_for(web, worker)


def serving_port(environ: Mapping[str, str]) -> str:
    raw = environ.get("RECOVERY_PORT") or "5000"
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SystemExit(f"error: RECOVERY_PORT={raw!r} is not a port number (1-65535)")
    return str(int(raw))


def web_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """A developer's run (no RECOVERY_ENV or development, no SMTP relay) gets the dev mailbox unless it says no.
    The web and the worker count metrics into one directory (prometheus-client's multiprocess mode), which /metrics
    reads: instance/prometheus unless PROMETHEUS_MULTIPROC_DIR names another."""
    env = dict(environ)
    env.setdefault(MULTIPROC_ENV, str(Path(env.get("RECOVERY_INSTANCE_DIR") or ROOT / "instance") / "prometheus"))
    developing = env.get("RECOVERY_ENV", "development") in {"", "development"} and not env.get("RECOVERY_SMTP_HOST")
    if developing and not env.get("RECOVERY_DEV_MAILBOX"):
        env["RECOVERY_DEV_MAILBOX"] = "true"
    return env


def _mail_note(env: dict[str, str], port: str) -> str:
    if env.get("RECOVERY_SMTP_HOST"):
        return "Mail goes out through RECOVERY_SMTP_HOST.\n"
    if env.get("RECOVERY_DEV_MAILBOX", "").lower() in {"1", "true", "yes", "on"}:
        return (f"Mail goes to instance/mailbox/, listed at http://localhost:{port}/dev/mailbox (a browser on this "
                "machine only; RECOVERY_DEV_MAILBOX=false turns the page off).\n")
    return "Mail goes to instance/mailbox/ until RECOVERY_SMTP_HOST is set.\n"


def gunicorn_command(port: str, environ: dict[str, str] | None = None) -> list[str]:
    """No gunicorn access log: the app logs one line per request itself, with its request id, client IP, user
    and duration, the path only and redacted (recovery/observability/logs.py).

    One process with threads while limits are counted in its memory (several processes would each let every
    limit through once more); with a shared storage (Redis), two. The config refuses several on memory://."""
    workers, threads = workers_and_threads(os.environ if environ is None else environ)
    # Threads: argon2 releases the GIL, and the equal-time padding of account-revealing answers sleeps;
    # neither should hold a whole worker process.
    return [str(BIN / "gunicorn"), "--config", "python:recovery.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads), "wsgi:app"]


def _wait_for(web: subprocess.Popen, worker: subprocess.Popen) -> int:
    def stop(_signum=None, _frame=None) -> None:
        for process in (web, worker):
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        code = web.wait()
    except KeyboardInterrupt:
        code = 0
    stop()
    worker.wait(timeout=30)
    return code


def test(pytest_args: list[str]) -> int:
    ensure_environment("[dev]")
    ensure_chromium()
    return subprocess.run([_python(), "-m", "pytest", *pytest_args], cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"serve", "test"}:
        print("usage: python3 -m recovery serve | test [pytest arguments]", file=sys.stderr)
        return 2
    os.chdir(ROOT)
    return serve() if argv[0] == "serve" else test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
