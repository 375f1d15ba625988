"""The detection capability's worker task: announcing a lock that a wrong password engaged (locks.py)."""

from __future__ import annotations

from datetime import datetime

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.detection.locks import ANNOUNCE_TASK, announce
from recovery.outbox.tasks import register_task


def run_lock_announcement(ctx: ServiceContext, args: dict) -> None:
    """Tell the owner and the security team; an address without an account has nobody to tell."""
    user = ctx.session.get(User, args["user_id"]) if args.get("user_id") is not None else None
    if user is None:
        return
    until = args.get("locked_until")
    announce(ctx, user, str(args["happened"]), failures=int(args["failures"]), locks=int(args["locks"]),
             at=datetime.fromisoformat(args["at"]), locked_until=datetime.fromisoformat(until) if until else None)


register_task(ANNOUNCE_TASK, run_lock_announcement)
