"""Wrong second-factor codes are limited per account across IPs (5/5 min, 20/hour, 50/day) and per IP."""

from __future__ import annotations

from helpers.people import ADA, Accounts


def _challenge(client, ip: str, email: str = ADA) -> str:
    body = client.post("/api/v1/sessions", json={"email": email, "password": "a sturdy passphrase for tests"},
                       environ_base={"REMOTE_ADDR": ip}).get_json()
    return body["mfa_token"]


def _code(client, token: str, code: str, ip: str):
    return client.post("/api/v1/sessions/mfa", json={"mfa_token": token, "code": code},
                       environ_base={"REMOTE_ADDR": ip})


def _fail_from_many_ips(client, times: int, start: int = 0) -> list[int]:
    return [_code(client, _challenge(client, f"10.1.{start + n}.1"), "000000", f"10.1.{start + n}.1").status_code
            for n in range(times)]


def test_five_wrong_codes_from_five_ips_stop_even_the_right_code(client, phone, clock, people, ada, event_types):
    assert _fail_from_many_ips(client, 5) == [400] * 5
    response = _code(client, _challenge(client, "10.9.9.9"), phone.code(), "10.9.9.9")
    assert response.status_code == 429 and response.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(response.headers["Retry-After"]) <= 300
    assert event_types(ada)[-1] == "mfa.code.throttled"
    clock.advance(minutes=5)
    assert _code(client, _challenge(client, "10.9.9.9"), phone.code(), "10.9.9.9").status_code == 201


def test_four_wrong_codes_leave_the_right_one_its_turn(client, phone, ada, event_types):
    """Below the smallest limit the right code still passes and nothing is throttled."""
    assert _fail_from_many_ips(client, 4) == [400] * 4
    assert _code(client, _challenge(client, "10.9.9.9"), phone.code(), "10.9.9.9").status_code == 201
    assert "mfa.code.throttled" not in event_types(ada)


def test_right_codes_stop_counting_once_they_pass(client, phone, ada, event_types):
    """Each code is counted before its check; one that passes no longer counts against the budget."""
    for n in range(7):
        assert _code(client, _challenge(client, f"10.8.{n}.1"), phone.code(), f"10.8.{n}.1").status_code == 201
    assert _fail_from_many_ips(client, 5) == [400] * 5
    assert "mfa.code.throttled" not in event_types(ada)


def test_twenty_wrong_codes_in_an_hour_stop_the_account_for_the_hour(client, phone, clock):
    for batch in range(4):
        assert _fail_from_many_ips(client, 5, start=batch * 5) == [400] * 5
        clock.advance(minutes=5)
    response = _code(client, _challenge(client, "10.9.9.9"), phone.code(), "10.9.9.9")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 300
    clock.advance(minutes=40)
    assert _code(client, _challenge(client, "10.9.9.9"), phone.code(), "10.9.9.9").status_code == 201


def test_refused_attempts_do_not_extend_the_wait(client, phone, clock):
    _fail_from_many_ips(client, 5)
    for _ in range(3):
        assert _code(client, _challenge(client, "10.9.9.9"), "000000", "10.9.9.9").status_code == 429
    clock.advance(minutes=5)
    assert _code(client, _challenge(client, "10.9.9.9"), phone.code(), "10.9.9.9").status_code == 201


def test_the_account_budget_also_covers_turning_mfa_off(client, phone, people):
    headers = people.bearer(ADA)
    _fail_from_many_ips(client, 5)
    response = client.post("/api/v1/mfa/totp/disable", headers=headers,
                           json={"password": "a sturdy passphrase for tests", "code": phone.code()})
    assert response.status_code == 429


def test_wrong_codes_from_one_ip_across_accounts_stop_that_ip(make_app):
    app = make_app(mfa_ip_limits="3 per 5 minutes")
    people = Accounts.of(app)
    phones = {}
    for name in ("ada", "bob", "cy", "dee"):
        people.user(f"{name}@example.com")
        phones[name] = people.enroll(f"{name}@example.com")
    client = people.client
    for name in ("ada", "bob", "cy"):
        email = f"{name}@example.com"
        assert _code(client, _challenge(client, "10.0.0.7", email), "000000", "10.0.0.7").status_code == 400
    token = _challenge(client, "10.0.0.7", "dee@example.com")
    assert _code(client, token, phones["dee"].code(), "10.0.0.7").status_code == 429
    assert _code(client, token, phones["dee"].code(), "10.0.0.8").status_code == 201
