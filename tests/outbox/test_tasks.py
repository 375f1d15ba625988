"""Tasks: work a request queues for the worker runs once, with the requester as actor; a failure rolls its
effects back and is retried; an unknown task fails for staff to see."""

from __future__ import annotations

from sqlalchemy import func, select

from recovery.context import Actor
from recovery.events.models import SecurityEvent
from recovery.events.service import record_event
from recovery.outbox.delivery import deliver_due
from recovery.outbox.models import OutboxMessage
from recovery.outbox.tasks import register_task
from recovery.web.context import runtime

CALLS: list[tuple[str | None, str, dict]] = []


def _note(ctx, args: dict) -> None:
    CALLS.append((ctx.actor.ip, ctx.locale, args))
    record_event(ctx, "test.task.ran", user_id=None, n=args["n"])


def _explode(ctx, args: dict) -> None:
    record_event(ctx, "test.task.exploded", user_id=None)
    raise RuntimeError("boom")


register_task("test.note", _note)
register_task("test.explode", _explode)


def _queue(services, name: str, **args) -> int:
    from recovery.outbox.tasks import queue_task

    with services(Actor("user", None, "203.0.113.9", "pytest")) as ctx:
        ctx.locale = "zh_Hans_CN"
        key = queue_task(ctx, name, **args)
        return ctx.session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key))


def _count(app, type_: str) -> int:
    session = runtime(app).db.new_session()
    try:
        return session.scalar(select(func.count()).where(SecurityEvent.type == type_))
    finally:
        session.close()


def test_a_task_runs_once_as_the_requester_and_keeps_no_arguments(app, services, stored):
    CALLS.clear()
    message_id = _queue(services, "test.note", n=7)

    assert deliver_due(app, worker_id="w1") == 1
    assert deliver_due(app, worker_id="w1") == 0

    assert CALLS == [("203.0.113.9", "zh_Hans_CN", {"n": 7})]
    assert _count(app, "test.task.ran") == 1
    done = stored(message_id)
    assert (done.status, done.payload) == ("sent", {"task": "test.note"})


def test_a_failing_task_leaves_nothing_and_is_retried_later(app, services, stored, clock):
    message_id = _queue(services, "test.explode")

    deliver_due(app, worker_id="w1")

    waiting = stored(message_id)
    assert (waiting.status, waiting.attempts) == ("queued", 1)
    assert waiting.last_error == "task failed: RuntimeError"
    assert _count(app, "test.task.exploded") == 0  # rolled back with the task
    assert waiting.next_attempt_at > clock.now()


def test_an_unknown_task_fails_at_once_for_staff(app, services, stored):
    message_id = _queue(services, "test.no-such-task")

    deliver_due(app, worker_id="w1")

    failed = stored(message_id)
    assert failed.status == "failed" and "no task named" in failed.last_error


def test_a_worker_limited_to_tasks_leaves_mail_for_the_mail_workers(app, services, queue, stored):
    email_id = queue.email(to="ada@example.test")
    task_id = _queue(services, "test.note", n=1)

    assert deliver_due(app, worker_id="w1", kinds=("task",)) == 1

    assert stored(task_id).status == "sent" and stored(email_id).status == "queued"


def test_queue_task_writes_one_queued_row_and_nothing_else(app, services):
    _queue(services, "test.note", n=1)
    session = runtime(app).db.new_session()
    try:
        rows = list(session.scalars(select(OutboxMessage)))
    finally:
        session.close()
    assert [(row.kind, row.recipient, row.status) for row in rows] == [("task", "test.note", "queued")]
