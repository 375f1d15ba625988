"""Every cookie the app sends is one of recovery.web.cookies' specs, with exactly the attributes written here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Response
from helpers.csrf import csrf_from
from helpers.people import PASSWORD, Accounts

from recovery.web import cookies
from recovery.web.cookies import SPECS

PACKAGE = Path(__file__).resolve().parents[2] / "recovery"
RESET_LINK = "/reset/"

# name behind https, Max-Age, Path, SameSite; every one is HttpOnly, and Secure behind https.
TABLE = {
    "SESSION": ("__Host-recovery_session", None, "/", "Lax"),
    "CSRF": ("__Host-recovery_csrf", None, "/", "Lax"),
    "DEVICE": ("__Host-recovery_device", "34560000", "/", "Lax"),
    "MFA_CHALLENGE": ("__Host-recovery_mfa", None, "/", "Strict"),
    "STEP_UP": ("recovery_step_up", "900", "/signin/verify", "Lax"),
    "RESET": ("recovery_reset", "1800", "/reset", "Lax"),
    "LANGUAGE": ("recovery_lang", "31536000", "/", "Lax"),
    "TIME_ZONE": ("recovery_tz", "31536000", "/", "Lax"),
    "FLASHES": ("session", None, "/", "Lax"),
}


def _parse(header: str) -> tuple[str, str, dict[str, str]]:
    pair, *attributes = [part.strip() for part in header.split(";")]
    name, _, value = pair.partition("=")
    return name, value, {k.lower(): v for k, _, v in (a.partition("=") for a in attributes)}


def _spec_named(name: str) -> str:
    """The TABLE key of the cookie sent as `name` (behind https or not)."""
    for key, (https_name, *_rest) in TABLE.items():
        if name in (https_name, https_name.removeprefix("__Host-")):
            return key
    raise AssertionError(f"a cookie no spec declares: {name}")


def _check(header: str, https: bool) -> str:
    name, value, attributes = _parse(header)
    key = _spec_named(name)
    https_name, max_age, path, samesite = TABLE[key]
    assert name == (https_name if https else https_name.removeprefix("__Host-"))
    assert attributes.get("path") == path and attributes.get("samesite") == samesite, header
    assert "httponly" in attributes and "domain" not in attributes, header
    assert ("secure" in attributes) is https, header
    cleared = attributes.get("max-age") == "0"
    assert cleared == (value == ""), header
    assert cleared or attributes.get("max-age") == max_age, header
    return key


def test_every_spec_is_in_the_table():
    declared = {name for name, value in vars(cookies).items() if isinstance(value, cookies.CookieSpec)}
    assert declared == set(TABLE) and len(SPECS) == len(declared)


@pytest.mark.parametrize("https", [True, False], ids=["https", "http"])
@pytest.mark.parametrize("key", sorted(TABLE))
def test_set_and_clear_send_the_specs_attributes(make_app, https, key):
    app = make_app(base_url="https://recovery.example.test" if https else "http://localhost:5000")
    spec = getattr(cookies, key)
    with app.test_request_context():
        response = Response()
        cookies.set_cookie(response, spec, "value")
        cookies.clear_cookie(response, spec)
    sent, cleared = response.headers.getlist("Set-Cookie")
    assert _check(sent, https) == _check(cleared, https) == key


@pytest.mark.parametrize("key", sorted(set(TABLE) - {"CSRF", "STEP_UP", "RESET", "LANGUAGE", "TIME_ZONE", "FLASHES"}))
def test_a_signed_cookie_reads_back_and_a_forged_one_reads_as_none(app, key):
    spec = getattr(cookies, key)
    with app.test_request_context():
        response = Response()
        cookies.set_cookie(response, spec, "token")
    name, value, _ = _parse(response.headers["Set-Cookie"])
    for sent, read in [(value, "token"), ("token", None), (value[:-1], None), (value + "x" * 200, None)]:
        with app.test_request_context(headers={"Cookie": f"{name}={sent}"}):
            assert cookies.read_cookie(spec) == read


def test_no_module_but_cookies_touches_a_cookie():
    """Cookies are set, cleared and read only through recovery/web/cookies.py, so its specs are all there is."""
    touching = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "web" / "cookies.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in {"set_cookie", "delete_cookie", "cookies"}:
                touching.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.attr}")
    assert not touching


class _Recorder:
    """WSGI middleware keeping every Set-Cookie header the app sends."""

    def __init__(self, app) -> None:
        self.wsgi_app, self.sent = app.wsgi_app, []
        app.wsgi_app = self

    def __call__(self, environ, start_response):
        def recording(status, headers, *args):
            self.sent += [value for name, value in headers if name.lower() == "set-cookie"]
            return start_response(status, headers, *args)

        return self.wsgi_app(environ, recording)


def test_every_cookie_a_browser_gets_through_the_flows_matches_its_spec(app, services, client, outbox):
    recorder = _Recorder(app)
    accounts = Accounts(app, services, client)
    accounts.user("ada@example.com")
    accounts.user("mfa@example.com")
    accounts.enroll("mfa@example.com")
    client.get("/language/zh_Hans")  # language
    client.get("/language/en")
    home = client.get("/").get_data(as_text=True)  # the browser reports its time zone (time-zone.js)
    assert client.post("/time-zone", data={"csrf_token": csrf_from(home), "time_zone": "Asia/Shanghai"}
                       ).status_code == 204
    assert accounts.sign_in("ada@example.com").status_code == 302  # device, CSRF, session
    html = client.get("/security").get_data(as_text=True)
    assert client.post("/signout", data={"csrf_token": csrf_from(html)}).status_code == 302  # cleared; a flash
    assert accounts.sign_in("mfa@example.com").status_code == 302  # the second-factor challenge, then cleared
    assert client.post("/api/v1/password-resets", json={"email": "ada@example.com"}).status_code == 202
    link = outbox(to="ada@example.com", template="reset_link")[-1].payload["text"]
    token = link.split(RESET_LINK, 1)[1].split()[0]
    assert client.get(RESET_LINK + token).status_code == 303  # the reset cookie
    form = client.get("/reset").get_data(as_text=True)
    done = client.post("/reset", data={"csrf_token": csrf_from(form), "password": PASSWORD + " anew"})
    assert done.status_code == 200  # cleared
    seen = [_check(header, https=True) for header in recorder.sent]
    assert set(seen) == set(TABLE) - {"STEP_UP"}  # the step-up flow: tests/detection/test_signin.py
