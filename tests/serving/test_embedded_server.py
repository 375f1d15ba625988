"""`python3 -m recovery serve` enforces every limit as documented: one process while limits live in its memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import recovery.__main__ as embedded
from recovery.migrate import upgrade
from recovery.serving import SeveralProcessesOnMemoryLimits, refuse_several_processes

ROOT = Path(embedded.__file__).resolve().parent.parent


def _served_argv(monkeypatch, environ: dict[str, str]) -> list[str]:
    """The gunicorn command line `serve()` starts, with nothing installed or started."""
    started: list[list[str]] = []
    for name in list(os.environ):
        if name.startswith("RECOVERY_"):
            monkeypatch.delenv(name)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(embedded, "ensure_environment", lambda extras: None)
    monkeypatch.setattr(embedded.subprocess, "run", lambda *args, **kwargs: None)
    monkeypatch.setattr(embedded.subprocess, "Popen", lambda argv, **kwargs: started.append(argv) or argv)
    monkeypatch.setattr(embedded, "_wait_for", lambda web, worker: 0)
    embedded.serve()
    return next(argv for argv in started if "wsgi:app" in argv)


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_serve_runs_one_threaded_process_when_limits_are_in_memory(monkeypatch):
    argv = _served_argv(monkeypatch, {})
    assert _option(argv, "--workers") == "1"
    assert _option(argv, "--worker-class") == "gthread" and int(_option(argv, "--threads")) >= 4
    assert _option(argv, "--config") == "python:recovery.gunicorn_conf"


def test_serve_runs_several_processes_when_limits_are_shared_in_redis(monkeypatch):
    argv = _served_argv(monkeypatch, {"RECOVERY_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/3"})
    assert int(_option(argv, "--workers")) > 1


@pytest.mark.parametrize(("workers", "storage", "refused"), [
    (1, None, False), (2, None, True), (2, "memory://", True), (4, "redis://127.0.0.1:6379/3", False)])
def test_several_processes_are_refused_only_on_memory_limits(workers, storage, refused):
    environ = {} if storage is None else {"RECOVERY_RATELIMIT_STORAGE_URI": storage}
    if refused:
        with pytest.raises(SeveralProcessesOnMemoryLimits, match="memory://"):
            refuse_several_processes(workers, environ)
    else:
        refuse_several_processes(workers, environ)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(tmp_path) -> dict[str, str]:
    database = f"sqlite:///{tmp_path / 'served.db'}"
    upgrade(database)
    kept = {k: v for k, v in os.environ.items() if not k.startswith("RECOVERY_")}
    return {**kept, "RECOVERY_INSTANCE_DIR": str(tmp_path / "instance"), "RECOVERY_DATABASE_URL": database,
            "RECOVERY_RATELIMIT_STORAGE_URI": "memory://"}


def _gunicorn(argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    # The command serve() builds, run by this interpreter (its gunicorn), from this checkout.
    return subprocess.Popen([sys.executable, "-m", "gunicorn", *argv[1:]], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_gunicorn_with_recovery_config_refuses_two_workers_on_memory_limits(tmp_path):
    argv = embedded.gunicorn_command(str(_free_port()), {})
    argv[argv.index("--workers") + 1] = "2"
    process = _gunicorn(argv, _environment(tmp_path))
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "would each count every rate limit" in output


def _wait_until_serving(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


def _post_signup(port: int, n: int) -> int:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = f'{{"email": "u{n}@example.com", "password": "short"}}'
    connection.request("POST", "/api/v1/accounts", body=body, headers={"Content-Type": "application/json"})
    status = connection.getresponse().status
    connection.close()
    return status


def test_embedded_server_answers_exactly_the_documented_signups_per_hour(tmp_path):
    """The sign-up endpoint is documented at 20 per hour per IP; 60 concurrent attempts get 20 answers, 40 x 429."""
    port = _free_port()
    process = _gunicorn(embedded.gunicorn_command(str(port), {}), _environment(tmp_path))
    try:
        _wait_until_serving(port, process)
        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(lambda n: _post_signup(port, n), range(60)))
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert statuses.count(429) == 40
    assert len(statuses) - statuses.count(429) == 20


def test_serve_turns_the_dev_mailbox_on_for_a_developer_only(monkeypatch):
    assert embedded.web_environment({})["RECOVERY_DEV_MAILBOX"] == "true"
    assert embedded.web_environment({"RECOVERY_DEV_MAILBOX": "false"})["RECOVERY_DEV_MAILBOX"] == "false"
    assert "RECOVERY_DEV_MAILBOX" not in embedded.web_environment({"RECOVERY_ENV": "production"})
    assert "RECOVERY_DEV_MAILBOX" not in embedded.web_environment({"RECOVERY_SMTP_HOST": "smtp.example.test"})
