"""Periodic upkeep of detection: old attempts, used or expired links and codes, quiet lock rows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, delete, or_, select

from recovery.context import ServiceContext
from recovery.db import rowcount
from recovery.detection.models import AddressLock, NoticeLink, SigninAttempt, SigninLock, StepUpChallenge
from recovery.detection.policy import detection_policy
from recovery.outbox.jobs import register_job

_BATCH = 5000


def prune(ctx: ServiceContext) -> int:
    """Attempts past the retention, links a week after they ended, expired codes, locks after the quiet time.

    Attempts go in batches so one run never holds a long lock on a large table.
    """
    now = ctx.clock.now()
    policy = detection_policy(ctx.settings)
    old = select(SigninAttempt.id).where(
        SigninAttempt.created_at < now - timedelta(days=ctx.settings.detection_retention_days)).limit(_BATCH)
    removed = rowcount(ctx.session.execute(delete(SigninAttempt).where(SigninAttempt.id.in_(old))
                                           .execution_options(synchronize_session=False)))
    week = now - timedelta(days=7)
    ctx.session.execute(delete(NoticeLink).where(or_(NoticeLink.expires_at < week, NoticeLink.used_at < week))
                        .execution_options(synchronize_session=False))
    ctx.session.execute(delete(StepUpChallenge).where(StepUpChallenge.expires_at < now)
                        .execution_options(synchronize_session=False))
    ctx.session.execute(delete(SigninLock).where(and_(
        SigninLock.password_disabled_at.is_(None), SigninLock.last_failure_at < now - policy.lock_forget,
        or_(SigninLock.locked_until.is_(None), SigninLock.locked_until < now)))
        .execution_options(synchronize_session=False))
    # An address without an account has no password to disable: its state goes after the quiet time too.
    ctx.session.execute(delete(AddressLock).where(AddressLock.last_failure_at < now - policy.lock_forget,
                                                  or_(AddressLock.locked_until.is_(None),
                                                      AddressLock.locked_until < now))
                        .execution_options(synchronize_session=False))
    return removed


register_job("detection.prune", timedelta(hours=1), prune)
