"""gunicorn settings for recovery (`gunicorn -c python:recovery.gunicorn_conf wsgi:app`): refuse to start several
worker processes while rate limits are counted in process memory; prepare prometheus-client's multiprocess
directory (PROMETHEUS_MULTIPROC_DIR) at start and mark each worker that exits."""

from __future__ import annotations

import os

from prometheus_client import multiprocess

from recovery.serving import MULTIPROC_ENV, refuse_several_processes, wipe_metrics_dir


def on_starting(server) -> None:
    """Before the master forks any worker: the configured worker count against the limit storage, and the metric
    files of processes that no longer run (a previous start's) removed, so counters start again from zero."""
    refuse_several_processes(server.cfg.workers)
    wipe_metrics_dir()


def child_exit(server, worker) -> None:
    """A worker that exits (restarted, killed, max_requests) stops counting in the live gauges; its counters stay
    in the sum, as Prometheus expects of a counter."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(worker.pid)
