"""gunicorn settings for recovery (`gunicorn -c python:recovery.gunicorn_conf wsgi:app`): refuse to start several
worker processes while rate limits are counted in process memory."""

from __future__ import annotations

from recovery.serving import refuse_several_processes


def on_starting(server) -> None:
    """Before the master forks any worker: the configured worker count against the limit storage."""
    refuse_several_processes(server.cfg.workers)

