"""A spread attack (issue 15, item 1): failures across every client are a signal, never a wall. However many
failures other accounts get from other sources, the owner's correct password signs in (an unfamiliar device
steps up); a network prefix (/24, /64) is limited like an IP, and more tightly while the signal is up; the
signal raises one growing alert. Real limiter (memory or Redis), client addresses through REMOTE_ADDR."""

from __future__ import annotations

import pytest
from helpers.csrf import csrf_from
from helpers.detection import CHROME, FIREFOX
from helpers.people import PASSWORD
from helpers.signin import api_signin

from recovery.alerts.models import Alert

EMAIL = "ada@example.com"
BERLIN, PARIS = "198.51.100.7", "203.0.113.77"
THRESHOLD = 30  # failed sign-ins across every client within 5 minutes (the default is 1,000)
ATTACK = {"signin_attack_threshold": f"{THRESHOLD} per 5 minutes"}


def _spread_failures(client, count: int = THRESHOLD + 10) -> list[int]:
    """`count` wrong passwords on other accounts, each from its own IPv4 /24 except a few from one IPv6 /64:
    no per-IP, per-prefix, per-account or stuffing rule fires."""
    statuses = []
    for n in range(count):
        ip = f"2001:db8:77:1::{n + 1:x}" if n % 8 == 0 else f"10.{n // 200}.{n % 200}.1"
        statuses.append(api_signin(client, email=f"victim{n}@example.com", password="a guess", ip=ip).status_code)
    return statuses


def _page_signin(client, ip: str, agent: str = CHROME):
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    return client.post("/signin", data={"csrf_token": token, "email": EMAIL, "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": ip}, headers={"User-Agent": agent})


@pytest.mark.parametrize("overrides", [ATTACK])
def test_correct_password_signs_in_after_failures_everywhere_pass_the_threshold(client, ada, clock):
    laptop = client.application.test_client()
    assert _page_signin(laptop, BERLIN).status_code == 302  # her usual browser
    assert api_signin(client, ip=BERLIN).status_code == 201  # and her usual API client
    assert set(_spread_failures(client)) == {401}
    # The familiar browser and API client from her usual address sign in as before.
    assert _page_signin(laptop, BERLIN).headers["Location"] == "/security"
    assert api_signin(client, ip=BERLIN).status_code == 201
    # From an unfamiliar address and device: a step-up (an emailed code), never a 429.
    clock.advance(days=2)  # long enough to have flown to Paris (the limiter's windows run on real time)
    stranger = client.application.test_client()
    unfamiliar = _page_signin(stranger, PARIS, agent=FIREFOX)
    assert unfamiliar.status_code == 302 and unfamiliar.headers["Location"].startswith("/signin/verify")
    assert api_signin(client, ip=PARIS).status_code == 202


@pytest.mark.parametrize("overrides", [ATTACK])
def test_global_signal_raises_one_growing_alert(client, people, ada):
    assert not people.rows(Alert, Alert.rule == "signin_failures_global")
    _spread_failures(client, THRESHOLD)  # reaching the threshold: no alert yet
    assert not people.rows(Alert, Alert.rule == "signin_failures_global")
    _spread_failures(client, 5)
    [alert] = people.rows(Alert, Alert.rule == "signin_failures_global")
    assert (alert.severity, alert.count, alert.user_id, alert.source) == ("high", 5, None, None)


@pytest.mark.parametrize("overrides", [ATTACK])
def test_global_signal_steps_up_only_unfamiliar_devices(client, ada, clock):
    assert api_signin(client, ip=BERLIN).status_code == 201
    newcomer = {"User-Agent": FIREFOX}  # a device this account has not used, on her usual network
    quiet = client.post("/api/v1/sessions", json={"email": EMAIL, "password": PASSWORD}, headers=newcomer,
                        environ_base={"REMOTE_ADDR": BERLIN})
    assert quiet.status_code == 201  # a new device alone only tells her
    _spread_failures(client)
    other = {"User-Agent": "curl/8.5.0"}
    stepped = client.post("/api/v1/sessions", json={"email": EMAIL, "password": PASSWORD}, headers=other,
                          environ_base={"REMOTE_ADDR": BERLIN})
    assert stepped.status_code == 202 and stepped.get_json()["step_up_required"] is True
    assert api_signin(client, ip=BERLIN).status_code == 201  # the familiar one does not


@pytest.mark.parametrize("overrides", [{"signin_limits": "1000 per 5 minutes"}])
@pytest.mark.parametrize("prefix, neighbour", [("10.20.30.{}", "10.20.31.9"),
                                               ("2001:db8:5:6::{:x}", "2001:db8:5:7::1")])
def test_failures_spread_inside_one_prefix_are_limited_for_that_prefix(client, ada, prefix, neighbour):
    statuses = [api_signin(client, email=f"victim{n}@example.com", password="a guess",
                           ip=prefix.format(n + 1)).status_code for n in range(11)]
    assert statuses == [401] * 10 + [429]  # the /24 or /64, not one IP, is the source
    assert api_signin(client, ip=prefix.format(200)).status_code == 429  # the same source: limited as a whole
    assert api_signin(client, ip=neighbour).status_code == 201  # the next /24 or /64 is another source


@pytest.mark.parametrize("overrides", [{**ATTACK, "signin_limits": "1000 per 5 minutes"}])
def test_prefix_limit_tightens_while_the_global_signal_is_up(client, ada):
    _spread_failures(client)
    statuses = [api_signin(client, email=f"target{n}@example.com", password="a guess",
                           ip=f"192.0.2.{n + 1}").status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]  # each failure costs the prefix two of its ten
    assert api_signin(client, ip=BERLIN).status_code == 202  # she, elsewhere, signs in (a first device: step-up)
