"""The security event log is evidence: the database itself refuses to change or delete an event."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from recovery.events.models import SecurityEvent
from recovery.events.service import record_event


@pytest.fixture
def event_id(services) -> int:
    with services() as ctx:
        event = record_event(ctx, "test.append_only", user_id=None, note="original")
        ctx.session.flush()
        return event.id


def test_update_of_a_security_event_fails_on_this_database(services, event_id):
    with pytest.raises(DBAPIError, match="append-only"), services() as ctx:
        ctx.session.execute(update(SecurityEvent).where(SecurityEvent.id == event_id).values(type="test.rewritten"))
    with services() as ctx:
        assert ctx.session.scalar(select(SecurityEvent.type).where(SecurityEvent.id == event_id)) == "test.append_only"


def test_delete_of_a_security_event_fails_on_this_database(services, event_id):
    with pytest.raises(DBAPIError, match="append-only"), services() as ctx:
        ctx.session.execute(delete(SecurityEvent).where(SecurityEvent.id == event_id))
    with services() as ctx:
        assert ctx.session.get(SecurityEvent, event_id) is not None
