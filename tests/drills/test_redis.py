"""Drill: a private Redis stopped and frozen: fail-closed limits answer 503 at once, the rest as usual; recovers."""

from __future__ import annotations

import time
import uuid

import pytest
from helpers.load import Answer, all_at_once, send
from helpers.processes import PrivateRedis, serve, served_env

BOUND = 3.0  # seconds: the longest a request may take while Redis is down (docs/operations.md)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = PrivateRedis(tmp_path_factory.mktemp("redis"))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory, drill_database, redis_server):
    tmp_path = tmp_path_factory.mktemp("redis-drill")
    server = serve(tmp_path, served_env(tmp_path, drill_database, redis_server.url))
    all_at_once(_security_calls(server.base))  # the first requests load what each route needs
    try:
        yield server
    finally:
        server.stop()


def _security_calls(base: str) -> list:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    return [
        lambda: send("sign-in", "POST", f"{base}/api/v1/sessions", json={"email": email, "password": "x" * 16}),
        lambda: send("mfa", "POST", f"{base}/api/v1/sessions/mfa", json={"mfa_token": "t" * 40, "code": "123456"}),
        lambda: send("reset", "POST", f"{base}/api/v1/password-resets", json={"email": email}),
        lambda: send("signup", "POST", f"{base}/api/v1/accounts",
                     json={"email": f"new-{uuid.uuid4().hex[:10]}@example.com", "password": "a long passphrase 42"}),
    ]


def _open_calls(base: str) -> list:
    return [
        lambda: send("healthz", "GET", f"{base}/healthz"),
        lambda: send("home", "GET", f"{base}/"),
        lambda: send("sign-in page", "GET", f"{base}/signin"),
        lambda: send("status reply (open limit)", "POST", f"{base}/api/v1/appeals/status/{'s' * 40}/replies",
                     json={"body": "hello"}),
    ]


def _assert_security_refused(answers: list[Answer]) -> None:
    for answer in answers:
        assert answer.status == 503, str(answer)
        assert answer.retry_after and int(answer.retry_after) > 0, str(answer)
        assert answer.seconds < BOUND, str(answer)


def _assert_answered_normally(answers: list[Answer]) -> None:
    for answer in answers:
        assert answer.status is not None and answer.status < 500, str(answer)
        assert answer.seconds < BOUND, str(answer)


def _recovered(base: str, timeout: float = 10.0) -> list[Answer]:
    """Fail-closed routes answer as usual again (no 503) within `timeout`, without restarting the app."""
    deadline = time.monotonic() + timeout
    while True:
        answers = all_at_once(_security_calls(base))
        if all(a.status is not None and a.status < 500 for a in answers) or time.monotonic() > deadline:
            return answers
        time.sleep(0.25)


def test_healthy_redis_lets_every_route_answer(app_server):
    _assert_answered_normally(all_at_once(_security_calls(app_server.base) + _open_calls(app_server.base)))


def test_frozen_redis_refuses_fail_closed_limits_quickly_and_serves_the_rest(app_server, redis_server):
    """16 security requests at once (more than the server's threads) and the open routes beside them."""
    base = app_server.base
    redis_server.freeze()
    try:
        answers = all_at_once(_security_calls(base) * 4 + _open_calls(base) * 2)
        later = all_at_once(_security_calls(base) + _open_calls(base))  # while still frozen, after the first wave
    finally:
        redis_server.thaw()
    security = {"sign-in", "mfa", "reset", "signup"}
    _assert_security_refused([a for a in answers + later if a.label in security])
    _assert_answered_normally([a for a in answers + later if a.label not in security])
    _assert_answered_normally(_recovered(base))


def test_stopped_redis_refuses_fail_closed_limits_and_recovers_when_restarted(app_server, redis_server):
    base = app_server.base
    redis_server.stop()
    try:
        answers = all_at_once(_security_calls(base) + _open_calls(base))
    finally:
        redis_server.start()
    _assert_security_refused([a for a in answers if a.label in {"sign-in", "mfa", "reset", "signup"}])
    _assert_answered_normally([a for a in answers if a.label not in {"sign-in", "mfa", "reset", "signup"}])
    _assert_answered_normally(_recovered(base))
