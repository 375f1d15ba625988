"""The detection capability's worker tasks: announcing a lock that a wrong password engaged (locks.py), and
deciding, a few minutes after a wrong second factor, whether it is worth telling the owner (notices.py)."""

from __future__ import annotations

from datetime import datetime

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.detection.locks import ANNOUNCE_TASK, announce
from recovery.detection.models import SigninAttempt
from recovery.detection.notices import SECOND_FACTOR_TASK, check_second_factor_failure
from recovery.outbox.tasks import register_task


def run_lock_announcement(ctx: ServiceContext, args: dict) -> None:
    """Tell the owner and the security team; an address without an account has nobody to tell."""
    user = ctx.session.get(User, args["user_id"]) if args.get("user_id") is not None else None
    if user is None:
        return
    until = args.get("locked_until")
    announce(ctx, user, str(args["happened"]), failures=int(args["failures"]), locks=int(args["locks"]),
             at=datetime.fromisoformat(args["at"]), locked_until=datetime.fromisoformat(until) if until else None)


def run_second_factor_check(ctx: ServiceContext, args: dict) -> None:
    user = ctx.session.get(User, args["user_id"])
    attempt = ctx.session.get(SigninAttempt, args["attempt_id"])
    if user is None or attempt is None or attempt.user_id != user.id:
        return  # the account or its history is gone: nobody to tell
    check_second_factor_failure(ctx, user, attempt)


register_task(ANNOUNCE_TASK, run_lock_announcement)
register_task(SECOND_FACTOR_TASK, run_second_factor_check)
