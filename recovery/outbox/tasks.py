"""Work a request hands to the delivery workers: queued in the request's transaction, run by a worker.

A capability registers its tasks in its own `recovery/<capability>/tasks.py`, imported on first use:

    register_task("reset.request", run_reset_request)      # run_reset_request(ctx, args) -> None

Why: an answer that must not depend on what the database holds (does this address have an account?) is
equal by construction when the request only queues the work; the worker, which nobody watches the clock
of, does the lookups and the writes that differ. The worker runs a task in one transaction that also marks
it done, so its effects happen once; a task that raises is rolled back and retried like an undelivered
email, and its arguments (an email address) are dropped once it has run.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import cast

from sqlalchemy import Table, insert

import recovery
from recovery.context import Actor, ServiceContext
from recovery.db import execute_alone
from recovery.observability.logs import current_request_id
from recovery.outbox.models import OutboxMessage

TASK_KIND = "task"
TaskFn = Callable[[ServiceContext, dict], None]
_TASKS: dict[str, TaskFn] = {}


def register_task(name: str, fn: TaskFn) -> None:
    if len(name) > 64:
        raise ValueError("a task name has at most 64 characters")
    _TASKS[name] = fn


def find_task(name: str) -> TaskFn | None:
    """The handler of `name`; each `recovery.<capability>.tasks` module is imported once to register its own."""
    if name not in _TASKS:
        for package in pkgutil.iter_modules(recovery.__path__):
            if package.ispkg and importlib.util.find_spec(f"recovery.{package.name}.tasks") is not None:
                importlib.import_module(f"recovery.{package.name}.tasks")
    return _TASKS.get(name)


def queue_task(ctx: ServiceContext, name: str, *, not_before: datetime | None = None, **args: object) -> str:
    """Queue `name(args)` for a worker, as the caller's actor and in the caller's language (JSON-safe args),
    in the caller's transaction; returns the task's idempotency key. `not_before` delays it (a check that
    must wait to see what happens next, such as detection's second-factor notice)."""
    key, row = _task_row(ctx, name, args)
    if not_before is not None:
        row["next_attempt_at"] = not_before
    ctx.session.execute(_task_insert(), row)
    return key


def queue_task_alone(ctx: ServiceContext, name: str, **args: object) -> str:
    """queue_task for a request that writes nothing else and whose task a crash may lose at no cost but the
    person asking again (the reset request). When the request has begun no transaction, the insert is
    committed by itself before this returns, without waiting for the database's log to reach the disk;
    otherwise it joins the request's transaction and is as durable as the rest of it
    (recovery.db.execute_alone, `lazily`)."""
    key, row = _task_row(ctx, name, args)
    execute_alone(ctx.session, _task_insert(), row, lazily=True)
    return key


def _task_row(ctx: ServiceContext, name: str, args: dict[str, object]) -> tuple[str, dict[str, object]]:
    actor, now, key = ctx.actor, ctx.clock.now(), uuid.uuid4().hex
    return key, {
        "kind": TASK_KIND, "idempotency_key": key, "recipient": name, "template": None,
        "payload": {"args": args, "locale": ctx.locale,
                    "actor": {"type": actor.type, "id": actor.id, "ip": actor.ip, "user_agent": actor.user_agent}},
        "user_id": None, "status": "queued", "attempts": 0, "next_attempt_at": now, "created_at": now,
        "request_id": current_request_id()}


@lru_cache(maxsize=1)
def _task_insert():
    """A Core INSERT built once: a queued task is never read back in the request, so it needs no unit of work
    (the reset request is this one statement). Run as it is (a joined task), SQLAlchemy asks for the new id
    (RETURNING); leaving it out measured as nothing (docs/performance.md, round 5). The lazy form execute_alone
    builds from it has none."""
    return insert(cast(Table, OutboxMessage.__table__))


def task_actor(payload: dict) -> Actor:
    fields = payload.get("actor") or {}
    return Actor(fields.get("type", "system"), fields.get("id"), fields.get("ip"), fields.get("user_agent"))
