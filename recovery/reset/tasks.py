"""The reset capability's worker task: a queued reset request (recovery/outbox/tasks.py runs it)."""

from __future__ import annotations

from recovery.context import ServiceContext
from recovery.outbox.tasks import register_task
from recovery.reset.service import REQUEST_TASK, request_reset


def run_reset_request(ctx: ServiceContext, args: dict) -> None:
    request_reset(ctx, str(args.get("email") or ""))


register_task(REQUEST_TASK, run_reset_request)
