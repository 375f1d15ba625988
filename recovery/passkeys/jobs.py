"""Periodic job of the passkeys capability (run by the worker): forget ceremonies nobody finished."""

from __future__ import annotations

from datetime import timedelta

from recovery.outbox.jobs import register_job
from recovery.passkeys.ceremonies import prune_expired

register_job("passkeys.prune_expired", timedelta(hours=1), prune_expired)
