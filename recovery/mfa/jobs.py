"""Periodic jobs of the MFA capability (run by the worker): forget expired sign-in challenges and enrollments,
and code attempts older than the budget's longest window; put the accounts' second-factor flag back in step."""

from __future__ import annotations

from datetime import timedelta

from recovery.mfa.budget import prune_attempts
from recovery.mfa.challenge import prune_expired
from recovery.mfa.service import sync_second_factor
from recovery.outbox.jobs import register_job

register_job("mfa.prune_expired", timedelta(hours=1), prune_expired)
register_job("mfa.prune_attempts", timedelta(hours=1), prune_attempts)
register_job("mfa.sync_second_factor", timedelta(minutes=10), sync_second_factor)
