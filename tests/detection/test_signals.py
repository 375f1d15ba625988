"""Signals of an attempt: the user-agent parser, the offline geo database, the device cookie, the client IP."""

from __future__ import annotations

import pytest
from helpers.detection import CHROME, FIREFOX

from recovery.detection.geo import FastGeoLookup, NullGeoLookup, network_of
from recovery.detection.signals import parse_user_agent
from recovery.events.models import SecurityEvent
from recovery.settings import Settings

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.4 Mobile/15E148 Safari/604.1")


@pytest.mark.parametrize("agent, browser, os", [
    (CHROME, "Chrome 124", "Windows 10"),
    (FIREFOX, "Firefox 125", "Linux"),
    (IPHONE, "Mobile Safari 17", "iOS 17"),
    ("curl/8.5.0", "curl 8", None),
    ("", None, None),
])
def test_user_agent_parsed_into_browser_and_os(agent, browser, os):
    assert parse_user_agent(agent) == (browser, os)


def test_bundled_geo_database_answers_offline_with_country_asn_and_network():
    lookup = FastGeoLookup(Settings().geoip_fast_data)
    google = lookup.lookup("8.8.8.8")
    assert (google.country, google.asn) == ("US", "GOOGLE") and google.network.endswith("/24")
    assert lookup.lookup("2001:4860:4860::8888").country == "US"
    assert lookup.lookup("10.1.2.3").private and lookup.lookup("10.1.2.3").country is None
    assert lookup.lookup("not an ip").country is None


@pytest.mark.parametrize("ip, network", [("198.51.100.7", "198.51.100.0/24"), ("2001:db8:1:2::5", "2001:db8:1::/48"),
                                         ("junk", None)])
def test_network_prefix(ip, network):
    assert network_of(ip) == network
    assert NullGeoLookup().lookup(ip).country is None


def _secure_link_ip(client, people, headers: dict) -> str:
    people.add("ada@example.com")
    page = client.get("/secure-account")
    from helpers.csrf import csrf_from

    client.post("/secure-account", headers=headers, data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                          "email": "ada@example.com"})
    [event] = people.rows(SecurityEvent, SecurityEvent.type == "detection.secure_link.sent")
    return event.ip


def test_forwarded_for_is_ignored_without_trusted_proxies(client, people):
    assert _secure_link_ip(client, people, {"X-Forwarded-For": "203.0.113.9"}) == "127.0.0.1"


@pytest.mark.parametrize("overrides", [{"trusted_proxies": 1}])
def test_forwarded_for_is_believed_for_the_configured_hop(client, people):
    assert _secure_link_ip(client, people, {"X-Forwarded-For": "6.6.6.6, 203.0.113.9"}) == "203.0.113.9"
