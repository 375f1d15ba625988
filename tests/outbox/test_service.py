"""Staff operations on the outbox: the list puts failed messages first; Retry requeues a failed one once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from recovery.context import Actor
from recovery.errors import NotFound, ValidationFailed
from recovery.events.models import SecurityEvent
from recovery.outbox.models import OutboxMessage
from recovery.outbox.service import NotRetryable, list_messages, retry_message


def _set_status(services, message_id: int, status: str, **values) -> None:
    with services() as ctx:
        message = ctx.session.get(OutboxMessage, message_id)
        message.status = status
        for name, value in values.items():
            setattr(message, name, value)


def test_retry_failed_message_requeues_it_with_fresh_attempts_and_records_who(services, queue, stored, clock,
                                                                              people):
    staff_id = people.add("sec@example.test", role="security")
    message_id = queue.email()
    _set_status(services, message_id, "failed", attempts=12, last_error="SMTP 421 busy")
    clock.advance(hours=2)
    with services(Actor("staff", staff_id, "198.51.100.7", "test")) as ctx:
        retry_message(ctx, message_id)
        (event,) = ctx.session.scalars(select(SecurityEvent).where(SecurityEvent.type == "outbox.message.retried"))
        assert event.actor_type == "staff" and event.actor_id == staff_id
        assert event.details["previous_attempts"] == 12 and event.details["message_id"] == message_id
    message = stored(message_id)
    assert message.status == "queued" and message.attempts == 0 and message.next_attempt_at == clock.now()


@pytest.mark.parametrize("status", ["queued", "sending", "sent"])
def test_retry_message_that_has_not_failed_is_refused(services, queue, status):
    message_id = queue.email()
    _set_status(services, message_id, status)
    with pytest.raises(NotRetryable), services() as ctx:
        retry_message(ctx, message_id)


def test_retry_unknown_message_is_not_found(services):
    with pytest.raises(NotFound), services() as ctx:
        retry_message(ctx, 987654321)


def test_list_messages_puts_failed_first_and_pages_without_overlap(services, queue):
    ids = [queue.email(to=f"u{i}@example.test") for i in range(5)]
    _set_status(services, ids[1], "failed")
    _set_status(services, ids[3], "sent")
    with services() as ctx:
        first = list_messages(ctx, limit=3)
        second = list_messages(ctx, cursor=first.next_cursor, limit=3)
        assert [m.id for m in first.messages] == [ids[1], ids[4], ids[2]]
        assert [m.id for m in second.messages] == [ids[0], ids[3]] and second.next_cursor is None
        assert [m.id for m in list_messages(ctx, status="failed").messages] == [ids[1]]


def test_list_messages_with_a_tampered_cursor_is_a_validation_error(services):
    with pytest.raises(ValidationFailed), services() as ctx:
        list_messages(ctx, cursor="1.x")
