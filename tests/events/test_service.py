"""Reading the security event log: filters by type prefix, user (id or email) and time; keyset pages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from recovery.context import Actor
from recovery.errors import ValidationFailed
from recovery.events.service import events_of_user, record_event, search_events


@pytest.fixture
def log(services, people, clock):
    """Two users with a few events each, one minute apart; returns their ids and the start time."""
    ada, bob = people.add("ada@example.test"), people.add("bob@example.test")
    start = clock.now()
    for user_id, type_ in ((ada, "session.started"), (bob, "session.started"), (ada, "account.password.changed"),
                           (bob, "account.email.verified"), (ada, "session.revoked")):
        with services(Actor("user", user_id, "203.0.113.9", "pytest")) as ctx:
            record_event(ctx, type_, user_id=user_id, password="never stored")
        clock.advance(minutes=1)
    return {"ada": ada, "bob": bob, "start": start}


def _types(page) -> list[str]:
    return [row.event.type for row in page.rows]


def test_search_events_newest_first_with_emails(services, log):
    with services() as ctx:
        page = search_events(ctx)
    assert _types(page)[:2] == ["session.revoked", "account.email.verified"]
    assert page.rows[0].user_email == "ada@example.test" and page.rows[0].actor_email == "ada@example.test"
    assert page.rows[0].event.details == {"password": "[redacted]"}


def test_search_events_filters_by_type_prefix_user_and_time(services, log):
    with services() as ctx:
        assert _types(search_events(ctx, type_prefix="session.", user=str(log["bob"]))) == ["session.started"]
        assert _types(search_events(ctx, type_prefix="account.", user="  ADA@example.test ")) == [
            "account.password.changed"]
        assert _types(search_events(ctx, since=log["start"] + timedelta(minutes=3))) == [
            "session.revoked", "account.email.verified"]
        assert search_events(ctx, user="nobody@example.test").rows == []
        assert search_events(ctx, type_prefix="sess%").rows == []  # a prefix is literal, not a pattern


def test_search_events_pages_do_not_overlap_even_at_the_same_instant(services, people, log):
    with services() as ctx:
        for n in range(3):  # three more at exactly the same time: the id breaks the tie
            record_event(ctx, "test.same_instant", user_id=log["ada"], n=n)
    seen = []
    cursor = None
    with services() as ctx:
        while True:
            page = search_events(ctx, cursor=cursor, limit=2)
            seen += [row.event.id for row in page.rows]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 8 and seen == sorted(seen, reverse=True)


def test_events_of_user_returns_only_that_users_events(services, log):
    with services() as ctx:
        page = events_of_user(ctx, log["bob"])
    assert {row.event.user_id for row in page.rows} == {log["bob"]} and len(page.rows) == 2


@pytest.mark.parametrize("cursor", ["nonsense", "bm90fGE", "MjAyNi0wMy0wMlQwOTowMDowMHwx"])
def test_search_events_with_a_tampered_cursor_is_a_validation_error(services, cursor):
    with pytest.raises(ValidationFailed) as caught, services() as ctx:
        search_events(ctx, cursor=cursor)
    assert "cursor" in caught.value.fields
