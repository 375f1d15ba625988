"""The account holder's security history reads as sentences in their language: "You signed in" with the device
named once ("Chrome 124 · Windows 10", never the raw user agent) and the place as a country name in their
language ("Berlin, Germany" / "德国 Berlin", never "DE"); an unlabelled type reads as "Security event"."""

from __future__ import annotations

import pytest
from helpers.detection import CHROME, fixed_geo

from recovery.context import Actor
from recovery.events.service import record_event
from recovery.sessions.service import start_session

BERLIN_IP = "198.51.100.7"


@pytest.fixture
def app(make_app):
    return make_app(extra={"geo_lookup": fixed_geo()})


@pytest.fixture
def ada_signed_in_from_berlin(people, services) -> int:
    ada = people.add("ada@example.com")
    with services(Actor("user", ada, BERLIN_IP, CHROME)) as ctx:
        start_session(ctx, ada, kind="browser")
        record_event(ctx, "made.up.type", user_id=ada)
    people.sign_in(ada)
    return ada


def test_security_history_in_english_names_device_and_country_in_words(client, ada_signed_in_from_berlin):
    html = client.get("/security").get_data(as_text=True)
    assert "You signed in" in html and "Chrome 124 · Windows 10" in html and "Berlin, Germany" in html
    assert "Security event" in html
    assert CHROME not in html and "made.up.type" not in html and "session.started" not in html


def test_security_history_in_chinese_names_device_and_country_in_chinese(client, ada_signed_in_from_berlin):
    client.get("/language/zh_Hans")
    html = client.get("/security").get_data(as_text=True)
    assert "您登录了" in html and "Chrome 124 · Windows 10" in html and "德国 Berlin" in html
    assert "安全事件" in html and "You signed in" not in html and "Germany" not in html


def test_sessions_table_names_the_device_not_the_raw_user_agent(client, people, services):
    ada = people.add("ada@example.com")
    with services(Actor("user", ada, BERLIN_IP, CHROME)) as ctx:
        start_session(ctx, ada, kind="browser")
    people.sign_in(ada)
    html = client.get("/security").get_data(as_text=True)
    assert "Chrome 124 · Windows 10" in html and "AppleWebKit" not in html


def test_staff_event_log_names_the_device_and_keeps_the_raw_agent_on_hover(client, people, services):
    ada = people.add("ada@example.com")
    with services(Actor("user", ada, BERLIN_IP, CHROME)) as ctx:
        start_session(ctx, ada, kind="browser")
    people.sign_in(people.staff("agent@example.com"))
    html = client.get("/staff/events?type=session.").get_data(as_text=True)
    assert f'title="{CHROME}">Chrome 124 · Windows 10</span>' in html
    assert f">{CHROME}<" not in html
