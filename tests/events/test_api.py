"""GET /api/v1/events: staff search everything; a user sees only their own events, whatever they ask for."""

from __future__ import annotations

import pytest

from recovery.context import Actor
from recovery.events.models import SecurityEvent
from recovery.events.service import record_event


@pytest.fixture
def two_users(people, services):
    ada, bob = people.add("ada@example.test"), people.add("bob@example.test")
    staff = people.add("sec@example.test", role="security")
    with services(Actor("staff", staff, None, None)) as ctx:
        record_event(ctx, "account.status.changed", user_id=ada, status="locked")
        record_event(ctx, "account.status.changed", user_id=bob, status="locked")
    return {"ada": ada, "bob": bob, "staff": staff}


def test_api_events_user_sees_only_their_own(client, people, two_users):
    headers = people.headers(two_users["ada"])
    response = client.get(f"/api/v1/events?user={two_users['bob']}&type=account.", headers=headers)
    assert response.status_code == 200
    events = response.get_json()["events"]
    own = {e.id for e in people.rows(SecurityEvent, SecurityEvent.user_id == two_users["ada"])}
    assert len(events) == 1 and {e["id"] for e in events} <= own
    assert events[0]["actor"] == "security" and "actor_id" not in events[0] and "user_id" not in events[0]


def test_api_events_staff_see_all_filtered_and_paged(client, people, two_users):
    headers = people.headers(two_users["staff"])
    first = client.get("/api/v1/events?type=account.status&limit=1", headers=headers).get_json()
    assert [e["user_id"] for e in first["events"]] == [two_users["bob"]]
    assert first["events"][0]["actor_id"] == two_users["staff"]
    second = client.get(f"/api/v1/events?type=account.status&limit=1&cursor={first['next_cursor']}",
                        headers=headers).get_json()
    assert [e["user_id"] for e in second["events"]] == [two_users["ada"]] and second["next_cursor"] is None
    only_ada = client.get("/api/v1/events?user=ada@example.test", headers=headers).get_json()["events"]
    assert {e["user_id"] for e in only_ada} == {two_users["ada"]}


def test_api_events_need_a_bearer_token(client):
    assert client.get("/api/v1/events").status_code == 401


def test_api_events_bad_cursor_answers_400_with_the_field(client, people, two_users):
    response = client.get("/api/v1/events?cursor=%%%", headers=people.headers(two_users["staff"]))
    assert response.status_code == 400 and "cursor" in response.get_json()["error"]["fields"]
