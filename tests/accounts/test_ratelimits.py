"""Brute force: sign-in failures limited per IP, per network prefix and per account, page and API alike; 429 +
Retry-After. The global count is a signal only."""

from __future__ import annotations

from helpers.csrf import csrf_from
from helpers.people import PASSWORD
from helpers.signin import api_signin

from recovery.web.ratelimit import limiter


def _signin(client, email, password="not the right passphrase", ip="10.0.0.1"):
    """A wrong password by default, from one address."""
    return api_signin(client, password, ip=ip, email=email)


def _app_with_user(make_app, **settings):
    app = make_app(**settings)
    client = app.test_client()
    client.post("/api/v1/accounts", json={"email": "ada@example.com", "password": PASSWORD})
    return app, client


def test_signin_failures_per_account_lock_out_from_every_ip(make_app):
    _app, client = _app_with_user(make_app, signin_limits="3 per 5 minutes", require_email_verification=False)
    for n in range(3):
        assert _signin(client, "ada@example.com", ip=f"10.0.1.{n}").status_code == 401
    response = _signin(client, "ADA@example.com", PASSWORD, ip="10.0.2.1")
    assert response.status_code == 429
    # When the 5-minute window lets one through (the limiter gives its reset in whole seconds, rounded up).
    assert 240 < int(response.headers["Retry-After"]) <= 301
    assert response.get_json()["error"]["code"] == "rate_limited"


def test_only_a_refusal_says_when_to_retry(make_app):
    """flask-limiter would put its window's reset in Retry-After on every answer of a limited route; it goes in
    X-RateLimit-Retry-After instead, and Retry-After stays on the answers that ask a client to wait."""
    _app, client = _app_with_user(make_app, signin_limits="3 per 5 minutes", require_email_verification=False)
    signed_in = _signin(client, "ada@example.com", PASSWORD)
    assert signed_in.status_code == 201 and "Retry-After" not in signed_in.headers
    assert int(signed_in.headers["X-RateLimit-Remaining"]) >= 0


def test_a_refusal_whose_window_cannot_be_read_is_still_a_429(make_app, monkeypatch):
    """The 429's Retry-After reads the refusing window from the storage; a storage error at that moment (a
    Redis timeout) gives the default wait, not a 500."""
    _app, client = _app_with_user(make_app, signin_limits="1 per 5 minutes", require_email_verification=False)
    assert _signin(client, "nobody@example.com").status_code == 401

    def storage_gone(*_args, **_kwargs):
        raise ConnectionError("rate-limit storage timed out")

    monkeypatch.setattr(limiter.limiter, "get_window_stats", storage_gone)
    refused = _signin(client, "nobody@example.com")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"


def test_signin_failures_per_ip_lock_out_that_ip_for_every_account(make_app):
    _app, client = _app_with_user(make_app, signin_limits="3 per 5 minutes", require_email_verification=False)
    for n in range(3):
        assert _signin(client, f"user{n}@example.com", ip="10.0.0.7").status_code == 401
    assert _signin(client, "ada@example.com", PASSWORD, ip="10.0.0.7").status_code == 429
    assert _signin(client, "ada@example.com", PASSWORD, ip="10.0.0.8").status_code == 201


def test_signin_successes_do_not_count_towards_the_limit(make_app):
    _app, client = _app_with_user(make_app, signin_limits="2 per 5 minutes", require_email_verification=False)
    for _ in range(4):
        assert _signin(client, "ada@example.com", PASSWORD).status_code == 201


def test_signin_limit_answers_the_same_for_unknown_and_known_accounts(make_app):
    _app, client = _app_with_user(make_app, signin_limits="1 per 5 minutes")
    _signin(client, "ada@example.com", ip="10.0.0.1")
    _signin(client, "nobody@example.com", ip="10.0.0.2")
    known = _signin(client, "ada@example.com", ip="10.0.0.3")
    unknown = _signin(client, "nobody@example.com", ip="10.0.0.4")
    assert known.status_code == unknown.status_code == 429
    assert known.get_data() == unknown.get_data()


def test_signin_failures_everywhere_never_refuse_a_correct_password(make_app):
    """The global count is a signal, never a wall (tests/detection/test_spread_attack.py for the rest)."""
    _app, client = _app_with_user(make_app, signin_attack_threshold="4 per 5 minutes",
                                  require_email_verification=False)
    for n in range(6):
        assert _signin(client, f"user{n}@example.com", ip=f"10.0.{n}.1").status_code == 401
    assert _signin(client, "other@example.com", ip="10.0.40.1").status_code == 401
    assert _signin(client, "ada@example.com", PASSWORD, ip="10.0.41.1").status_code in (201, 202)


def test_signin_page_and_api_share_the_account_limit(make_app):
    _app, client = _app_with_user(make_app, signin_limits="2 per 5 minutes")
    _signin(client, "ada@example.com", ip="10.0.0.1")
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    page = client.post("/signin", data={"csrf_token": token, "email": "ada@example.com", "password": "nope"},
                       environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert page.status_code == 401
    blocked = client.post("/signin", data={"csrf_token": token, "email": "ada@example.com", "password": "nope"},
                          environ_base={"REMOTE_ADDR": "10.0.0.3"})
    assert blocked.status_code == 429 and blocked.headers["Retry-After"]
    assert "text/html" in blocked.content_type


def test_reauthentication_failures_are_limited_per_account(make_app):
    _app, client = _app_with_user(make_app, signin_limits="2 per 5 minutes", require_email_verification=False)
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    client.post("/signin", data={"csrf_token": token, "email": "ada@example.com", "password": PASSWORD})
    token = csrf_from(client.get("/reauthenticate").get_data(as_text=True))
    for _ in range(2):
        assert client.post("/reauthenticate", data={"csrf_token": token, "password": "nope"}).status_code == 400
    assert client.post("/reauthenticate", data={"csrf_token": token, "password": PASSWORD}).status_code == 429
