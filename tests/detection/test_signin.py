"""Detection inside the real sign-in: the page and the API record every attempt at both stages, apply the
temporary lock (answered exactly like a wrong password), throttle a stuffing source, step up, block and tell
the owner. Frozen clock; client addresses through REMOTE_ADDR with fixed geo answers."""

from __future__ import annotations

import re
from functools import partial

import pytest
from helpers.csrf import csrf_from
from helpers.detection import FIREFOX
from helpers.people import PASSWORD
from helpers.signin import api_signin
from sqlalchemy import event

from recovery.accounts.models import User
from recovery.detection.models import KnownDevice, SigninAttempt
from recovery.detection.notices import SECOND_FACTOR_GRACE
from recovery.web.context import runtime

EMAIL = "ada@example.com"
BERLIN, SYDNEY, PARIS = "198.51.100.7", "203.0.113.9", "203.0.113.77"
CODE = re.compile(r"\b(\d{8})\b")


def page_signin(client, password=PASSWORD, ip=BERLIN, email=EMAIL, agent=None, headers=None):
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    return client.post("/signin", data={"csrf_token": token, "email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip},
                       headers={**({"User-Agent": agent} if agent else {}), **(headers or {})})


def attempts(people, user_id=None) -> list[SigninAttempt]:
    where = [SigninAttempt.user_id == user_id] if user_id else []
    return people.rows(SigninAttempt, *where, order=SigninAttempt.id)


def test_signin_page_sets_the_device_cookie_and_records_the_attempt(client, people, ada):
    page = client.get("/signin")
    cookie = page.headers.get("Set-Cookie", "")
    assert "__Host-recovery_device=" in cookie and "HttpOnly" in cookie and "Max-Age=34560000" in cookie
    assert page_signin(client, agent=FIREFOX).status_code == 302
    [attempt] = attempts(people, ada)
    assert (attempt.stage, attempt.outcome, attempt.ip, attempt.country, attempt.city) == (
        "password", "success", BERLIN, "DE", "Berlin")
    assert (attempt.browser, attempt.os) == ("Firefox 125", "Linux") and attempt.device_key
    assert len(people.rows(KnownDevice, KnownDevice.user_id == ada)) == 1


def test_forwarded_for_is_ignored_at_signin_without_trusted_proxies(client, people, ada):
    page_signin(client, headers={"X-Forwarded-For": SYDNEY})
    assert attempts(people, ada)[0].ip == BERLIN


def test_locked_account_answers_exactly_like_a_wrong_password(client, people, ada, clock, outbox):
    for _ in range(5):
        assert page_signin(client, password="not the password").status_code == 401
    wrong = page_signin(client, password="not the password")
    locked = page_signin(client)  # the right password, during the lock
    assert locked.status_code == wrong.status_code == 401
    assert locked.get_data() == wrong.get_data()
    assert [a.outcome for a in attempts(people, ada)][-2:] == ["locked", "locked"]
    assert len(outbox(to=EMAIL, template="account_locked_temporarily")) == 1
    clock.advance(minutes=1, seconds=1)
    assert page_signin(client).status_code == 302


@pytest.mark.parametrize("overrides", [{"signin_limits": "1000 per 5 minutes",  # past the per-IP and
                                        "signin_network_limits": "1000 per 5 minutes"}])  # per-prefix limits
def test_api_stuffing_from_one_ip_is_throttled_with_429(client, people):
    statuses = [api_signin(client, email=f"victim{n}@example.com", password="guess", ip=SYDNEY).status_code
                for n in range(50)]
    assert statuses[:20] == [401] * 20 and set(statuses[20:]) == {429}
    assert api_signin(client, email="other@example.com", password="guess", ip=BERLIN).status_code == 401


def test_risky_browser_signin_steps_up_with_an_emailed_code(client, people, ada, outbox, clock):
    assert page_signin(client).status_code == 302  # the usual place and browser
    clock.advance(days=2)  # long enough to have flown: no impossible travel
    stranger = client.application.test_client()
    response = page_signin(stranger, ip=SYDNEY, agent=FIREFOX)  # new device + new country + new network
    assert response.status_code == 302 and response.headers["Location"].startswith("/signin/verify")
    assert stranger.get("/security").status_code == 302  # no session yet
    code = CODE.search(outbox(to=EMAIL, template="signin_code")[-1].payload["text"]).group(1)
    html = stranger.get(response.headers["Location"]).get_data(as_text=True)
    wrong = stranger.post("/signin/verify", data={"csrf_token": csrf_from(html), "code": "00000000"})
    assert wrong.status_code == 400
    done = stranger.post("/signin/verify", data={"csrf_token": csrf_from(html), "code": code})
    assert done.status_code == 302 and stranger.get("/security").status_code == 200
    assert [a.stage for a in attempts(people, ada) if a.outcome == "success"] == ["password", "step_up"]
    assert outbox(to=EMAIL, template="new_signin")  # and she is told about it


def test_risky_api_signin_steps_up_with_an_emailed_code(client, people, ada, outbox, clock):
    assert api_signin(client).status_code == 201
    clock.advance(days=2)
    response = api_signin(client, ip=SYDNEY)
    assert response.status_code == 202
    body = response.get_json()
    assert body["step_up_required"] is True and body["method"] == "email_code" and "session_token" not in body
    code = CODE.search(outbox(to=EMAIL, template="signin_code")[-1].payload["text"]).group(1)
    done = client.post("/api/v1/sessions/step-up", json={"step_up_token": body["step_up_token"], "code": code},
                       environ_base={"REMOTE_ADDR": SYDNEY})
    assert done.status_code == 201 and done.get_json()["session_token"]


@pytest.mark.parametrize("typed", ["{0} {1}", "{0}-{1}"])
def test_step_up_code_typed_with_a_space_or_a_dash_is_accepted(client, people, ada, outbox, clock, typed):
    """The one normalisation of recovery.codes: spaces and dashes anywhere are dropped, as for every code."""
    assert api_signin(client).status_code == 201
    clock.advance(days=2)
    body = api_signin(client, ip=SYDNEY).get_json()
    code = CODE.search(outbox(to=EMAIL, template="signin_code")[-1].payload["text"]).group(1)
    done = client.post("/api/v1/sessions/step-up", environ_base={"REMOTE_ADDR": SYDNEY},
                       json={"step_up_token": body["step_up_token"], "code": typed.format(code[:4], code[4:])})
    assert done.status_code == 201


@pytest.mark.parametrize("overrides", [{"detection_deny_list": "203.0.113.0/24"}])
def test_deny_listed_source_is_refused_like_a_wrong_password_and_the_owner_told(client, ada, outbox):
    blocked = api_signin(client, ip=SYDNEY)
    wrong = api_signin(client, ip=SYDNEY, password="not it")
    assert blocked.status_code == wrong.status_code == 401 and blocked.get_json() == wrong.get_json()
    assert outbox(to=EMAIL, template="new_signin")[0].payload["subject"] == "We blocked a sign-in to your account"


def test_mfa_wrong_code_after_right_password_is_recorded_and_emails_the_owner(client, people, ada, services, clock,
                                                                            outbox):
    from helpers.phone import enroll_totp

    with services() as ctx:
        phone = enroll_totp(ctx, ctx.session.get(User, ada))
    first = api_signin(client).get_json()
    wrong = client.post("/api/v1/sessions/mfa", json={"mfa_token": first["mfa_token"], "code": "000000"},
                        environ_base={"REMOTE_ADDR": BERLIN})
    assert wrong.status_code == 400
    assert outbox(to=EMAIL, template="new_signin") == []  # decided a few minutes later (notices.py)
    right = client.post("/api/v1/sessions/mfa", json={"mfa_token": first["mfa_token"], "code": phone.code()},
                        environ_base={"REMOTE_ADDR": BERLIN})
    assert right.status_code == 201
    stages = [(a.stage, a.outcome) for a in attempts(people, ada)]
    assert stages == [("password", "partial"), ("second_factor", "failure"), ("second_factor", "success")]
    clock.advance(SECOND_FACTOR_GRACE)
    # A device the account did not know: its sign-in is reported, with the secure button, and that one email
    # also covers the wrong code before it (tests/detection/test_second_factor_notice.py).
    [mail] = outbox(to=EMAIL, template="new_signin")
    assert "/signin-notice/secure/" in mail.payload["text"]


def test_security_page_lists_signins_and_known_devices_and_forgets_one(client, people, ada):
    page_signin(client, agent=FIREFOX)
    html = client.get("/security").get_data(as_text=True)
    assert "Recent sign-ins" in html and "Known devices" in html and "Firefox 125" in html
    assert "Berlin, Germany" in html and "Berlin, DE" not in html and "/secure-account" in html
    assert "Sign-in checked" in html  # detection's events read as words in the log, not as type names
    [device] = people.rows(KnownDevice, KnownDevice.user_id == ada)
    response = client.post(f"/security/devices/{device.id}/forget", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302 and not people.rows(KnownDevice, KnownDevice.user_id == ada)


def _statements(app, action) -> list[str]:
    """The SQL a request ran, with the lock tables and their keys named alike: the only difference is which
    table's primary key is looked up (an account's id or an address's HMAC)."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        statement = re.sub(r"sa_savepoint_\d+", "sa_savepoint", statement)  # the tests' transaction per test
        if "signin_locks" in statement or "signin_address_locks" in statement:
            statement = re.sub(r"\b(user_id|account_key)\b", "KEY",
                               re.sub(r"signin_address_locks|signin_locks", "LOCKS", statement))
            statement = re.sub(r"%\(key\)s::\w+", "%(key)s", statement)  # PostgreSQL casts: an id or an HMAC
        seen.append(statement)

    engine = runtime(app).db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert action().status_code == 401
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


@pytest.mark.parametrize("signin", [api_signin, page_signin], ids=["api", "page"])
def test_a_wrong_password_runs_the_same_statements_whether_or_not_the_address_has_an_account(app, client, ada,
                                                                                             signin):
    # The first failure, the next ones, the lock engaging at the 5th, then refusals while locked: no padding
    # hides a difference in work, because there is none (the answers' timing is bench figure 4).
    for n in range(7):
        ip = f"192.0.{n + 10}.1"  # a /24 each: the prefix limit would end the run before the lock does
        known = _statements(app, partial(signin, client, password="not ada's password", ip=ip))
        unknown = _statements(app, partial(signin, client, password="not ada's password", ip=ip,
                                           email="nobody@example.com"))
        assert known == unknown and any("LOCKS" in statement for statement in known)
