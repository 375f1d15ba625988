"""Under gunicorn: counters of every process summed from PROMETHEUS_MULTIPROC_DIR, old files wiped at start, dead
workers marked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from prometheus_client.parser import text_string_to_metric_families

import recovery.gunicorn_conf as gunicorn_conf
from recovery.serving import wipe_metrics_dir

ROOT = Path(gunicorn_conf.__file__).resolve().parent.parent
COUNT = "from recovery.observability.metrics import count_delivery; count_delivery('email', 'sent')"
SCRAPE = ("import sys; from recovery.observability.metrics import exposition; "
          "sys.stdout.write(exposition(None, None).decode())")


def _python(code: str, directory: Path) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True,
                          text=True, timeout=60).stdout


def test_the_counters_of_every_process_are_summed_and_a_new_start_wipes_them(tmp_path):
    _python(COUNT, tmp_path)
    _python(COUNT, tmp_path)
    samples = {(s.name, s.labels.get("kind"), s.labels.get("result")): s.value
               for family in text_string_to_metric_families(_python(SCRAPE, tmp_path)) for s in family.samples}
    assert samples[("recovery_outbox_deliveries_total", "email", "sent")] == 2
    live = tmp_path / f"counter_{os.getpid()}.db"  # a process still running (serve's worker) keeps its file
    live.write_bytes(b"")
    assert wipe_metrics_dir({"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}) == 2
    assert [path.name for path in tmp_path.iterdir()] == [live.name]


def test_a_worker_that_exits_is_marked_dead(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"")
    (tmp_path / "counter_4242.db").write_bytes(b"")
    gunicorn_conf.child_exit(None, SimpleNamespace(pid=4242))
    assert [path.name for path in tmp_path.iterdir()] == ["counter_4242.db"]  # a counter stays in the sum


def test_gunicorn_start_creates_the_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "prometheus"))
    gunicorn_conf.on_starting(SimpleNamespace(cfg=SimpleNamespace(workers=1)))
    assert (tmp_path / "prometheus").is_dir()
