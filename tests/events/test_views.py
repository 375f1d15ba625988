"""The staff event log page: agents, security and admins only; filters and older pages."""

from __future__ import annotations

import re

import pytest

from recovery.events.service import record_event


@pytest.fixture
def staff(people):
    user_id = people.add("agent@example.test", role="agent")
    people.sign_in(user_id)
    return user_id


@pytest.mark.parametrize("role,status", [(None, 302), ("user", 403), ("agent", 200), ("security", 200), ("admin", 200)])
def test_staff_events_page_roles(people, role, status):
    response = people.get_as(role, "/staff/events")
    assert response.status_code == status and (status != 302 or "/signin" in response.headers["Location"])


def test_staff_events_page_filters_by_type_and_user(client, services, people, staff):
    ada = people.add("ada@example.test")
    with services() as ctx:
        record_event(ctx, "account.password.changed", user_id=ada)
        record_event(ctx, "mfa.totp.enabled", user_id=ada)
    html = client.get("/staff/events?type=account.&user=ada@example.test&since=").get_data(as_text=True)
    assert "account.password.changed" in html and "mfa.totp.enabled" not in html
    assert 'value="ada@example.test"' in html


def test_staff_events_page_links_to_older_events_with_the_same_filters(client, services, people, staff, clock):
    ada = people.add("ada@example.test")
    with services() as ctx:
        for n in range(3):
            record_event(ctx, f"test.page{n}", user_id=ada)
            ctx.clock.advance(seconds=1)
    first = client.get("/staff/events?type=test.&limit=2").get_data(as_text=True)
    assert "test.page2" in first and "test.page1" in first and "test.page0" not in first
    [older] = [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]*cursor=[^"]*)"', first)]
    assert "type=test." in older and "cursor=" in older
    second = client.get(older).get_data(as_text=True)
    assert "test.page0" in second and "test.page2" not in second


def test_staff_events_page_with_a_bad_date_answers_400(client, staff):
    assert client.get("/staff/events?since=yesterday").status_code == 400
