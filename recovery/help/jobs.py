"""Periodic jobs of the help centre (run by the worker): forget searches nobody has typed for a long time."""

from __future__ import annotations

from datetime import timedelta

from recovery.help.service import prune_search_counts
from recovery.outbox.jobs import register_job

register_job("help.prune_search_counts", timedelta(days=1), prune_search_counts)
