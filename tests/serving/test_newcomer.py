"""A newcomer's first run: links follow the port, a busy port is named at once, the install says what it does."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import recovery.__main__ as embedded
from recovery.app import create_app
from recovery.serving import PortInUse, refuse_busy_port
from recovery.settings import build_settings
from recovery.web.links import build_link

ROOT = Path(embedded.__file__).resolve().parent.parent


def test_base_url_follows_recovery_port_unless_it_is_set(tmp_path):
    assert build_settings({"instance_dir": tmp_path}, environ={"RECOVERY_PORT": "5731"}).base_url.endswith(":5731")
    assert build_settings({"instance_dir": tmp_path}, environ={}).base_url.endswith(":5000")
    chosen = {"RECOVERY_PORT": "5731", "RECOVERY_BASE_URL": "http://recovery.test:8000"}
    assert build_settings({"instance_dir": tmp_path}, environ=chosen).base_url == "http://recovery.test:8000"


def test_emailed_links_point_at_recovery_port(tmp_path, monkeypatch):
    monkeypatch.setenv("RECOVERY_PORT", "5731")
    monkeypatch.delenv("RECOVERY_BASE_URL", raising=False)
    app = create_app({"instance_dir": tmp_path, "database_url": f"sqlite:///{tmp_path / 'links.db'}"})
    with app.app_context():
        link = build_link("health.healthz")
    assert link.split("/healthz")[0].endswith(":5731"), link


def _listening() -> socket.socket:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    return holder


def test_a_busy_port_is_refused_with_its_number_and_the_way_to_choose_another():
    with _listening() as holder:
        port = holder.getsockname()[1]
        with pytest.raises(PortInUse) as refused:
            refuse_busy_port(port)
    message = str(refused.value.code)
    assert f"port {port}" in message and "RECOVERY_PORT=" in message


def test_serve_on_a_busy_port_exits_non_zero_at_once():
    with _listening() as holder:
        port = holder.getsockname()[1]
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "recovery", "serve"], cwd=ROOT, capture_output=True, text=True,
                              timeout=30, env={"PATH": "/usr/bin:/bin", "RECOVERY_PORT": str(port)})
    assert done.returncode != 0
    assert f"port {port}" in done.stderr and "RECOVERY_PORT=" in done.stderr
    assert time.monotonic() - started < 10  # no install, no gunicorn retries


def test_a_port_that_is_not_a_number_is_refused():
    with pytest.raises(SystemExit, match="not a port number"):
        embedded.serving_port({"RECOVERY_PORT": "50OO"})


def test_first_install_prints_each_step(monkeypatch, tmp_path, capsys):
    ran: list[list[str]] = []
    monkeypatch.setattr(embedded, "VENV", tmp_path / ".venv")
    monkeypatch.setattr(embedded, "BIN", tmp_path / ".venv" / "bin")
    monkeypatch.setattr(embedded, "STAMP", tmp_path / ".venv" / ".recovery-installed")
    (tmp_path / ".venv").mkdir()

    def run(argv, **_kwargs):
        ran.append(argv)
        if "venv" in argv:
            (tmp_path / ".venv" / "bin").mkdir()
            (tmp_path / ".venv" / "bin" / "python").touch()
    monkeypatch.setattr(embedded.subprocess, "run", run)
    embedded.ensure_environment("")
    out = capsys.readouterr().out
    assert "[1/3] creating the virtual environment" in out and "[3/3] installing recovery" in out
    assert "installed in" in out
    assert not any("--quiet" in argv and "-e" in argv for argv in ran)  # pip shows each package
    embedded.ensure_environment("")  # the second run skips the install, quietly
    assert capsys.readouterr().out == ""
