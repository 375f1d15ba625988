"""Periodic jobs of the MFA capability (run by the worker): forget expired sign-in challenges and enrollments,
and code attempts older than the budget's longest window."""

from __future__ import annotations

from datetime import timedelta

from recovery.mfa.budget import prune_attempts
from recovery.mfa.challenge import prune_expired
from recovery.outbox.jobs import register_job

register_job("mfa.prune_expired", timedelta(hours=1), prune_expired)
register_job("mfa.prune_attempts", timedelta(hours=1), prune_attempts)
