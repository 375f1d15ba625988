"""Targeted lockout: the per-account and per-network failure walls and the temporary lock, which anyone elsewhere
can fill for one account, never refuse the owner's correct password from a browser the account has signed in
from (its device cookie); any other browser still meets them."""

from __future__ import annotations

from helpers.csrf import csrf_from
from helpers.people import ADA, PASSWORD
from helpers.signin import api_signin


def _app(make_app, **settings):
    app = make_app(require_email_verification=False, **settings)
    app.test_client().post("/api/v1/accounts", json={"email": ADA, "password": PASSWORD})
    return app


def _browser_signin(client, password: str = PASSWORD, ip: str = "192.0.2.10"):
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    return client.post("/signin", data={"csrf_token": token, "email": ADA, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def _owners_browser(app):
    """Ada's usual browser: it has signed in once (and so carries a device cookie her account knows)."""
    client = app.test_client()
    assert _browser_signin(client).status_code == 302
    client.post("/signout", data={"csrf_token": csrf_from(client.get("/security").get_data(as_text=True))})
    return client


def _attack(app, count: int) -> None:
    attacker = app.test_client()
    for n in range(count):
        assert api_signin(attacker, "a wrong passphrase, again", ip=f"198.51.100.{n}", email=ADA).status_code == 401


def test_a_full_account_limit_refuses_other_browsers_but_not_the_owners(make_app):
    app = _app(make_app, signin_limits="3 per 5 minutes")
    owners = _owners_browser(app)
    _attack(app, 3)
    assert _browser_signin(app.test_client()).status_code == 429  # a browser the account has never used
    answer = _browser_signin(owners)
    assert answer.status_code == 302 and "/signin" not in answer.headers["Location"]


def test_a_temporary_lock_refuses_other_browsers_but_not_the_owners(make_app):
    app = _app(make_app, signin_limits="100 per 5 minutes", detection_lock_after_failures=3)
    owners = _owners_browser(app)
    _attack(app, 3)
    assert _browser_signin(app.test_client()).status_code == 401  # locked: the answer of a wrong password
    answer = _browser_signin(owners)
    assert answer.status_code == 302 and "/signin" not in answer.headers["Location"]


def test_the_owners_browser_still_meets_the_per_ip_limit_and_wrong_passwords_still_fail(make_app):
    app = _app(make_app, signin_limits="2 per 5 minutes")
    owners = _owners_browser(app)
    assert _browser_signin(owners, "not it at all", ip="192.0.2.20").status_code == 401
    assert _browser_signin(owners, "not it either", ip="192.0.2.20").status_code == 401
    assert _browser_signin(owners, ip="192.0.2.20").status_code == 429  # its own address's wall stays
