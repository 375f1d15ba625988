"""An unreachable rate-limit storage: fail-closed limits answer 503 with Retry-After, open ones let requests through."""

from __future__ import annotations

import pytest
from helpers.csrf import csrf_from

from recovery.web.ratelimit import limiter

CLOSED = [
    ("/api/v1/sessions", {"email": "ada@example.com", "password": "x" * 16}),
    ("/api/v1/sessions/mfa", {"mfa_token": "t" * 40, "code": "123456"}),
    ("/api/v1/sessions/step-up", {"step_up_token": "t" * 40, "code": "123456"}),
    ("/api/v1/password-resets", {"email": "ada@example.com"}),
    ("/api/v1/password-resets/confirm", {"token": "t" * 43, "password": "a long passphrase 42"}),
    ("/api/v1/accounts", {"email": "new@example.com", "password": "a long passphrase 42"}),
    ("/api/v1/accounts/verify", {"email": "new@example.com", "code": "123456"}),
    ("/api/v1/appeals", {"email": "ada@example.com", "contact_email": "ada@example.com", "message": "hi"}),
]


@pytest.fixture
def calls(app, monkeypatch) -> list[str]:
    """The storage behind every limit raises, as redis-py does when Redis is down or too slow; calls are counted."""
    made: list[str] = []

    def unreachable(*_args, **_kwargs):
        made.append("call")
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for name in ("acquire_entry", "get_moving_window", "check"):  # what the moving window asks its storage
        monkeypatch.setattr(limiter.storage, name, unreachable)
    return made


@pytest.mark.parametrize(("path", "body"), CLOSED, ids=[path for path, _ in CLOSED])
def test_fail_closed_limit_with_unreachable_storage_answers_503_with_retry_after(client, calls, path, body):
    response = client.post(path, json=body)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "5"
    assert "X-RateLimit-Limit" not in response.headers  # no guessed figures for limits that could not be read


def test_browser_step_up_code_page_fails_closed_like_the_api(client, calls):
    """The emailed sign-in code is a budget between an attacker and a guess, on the page as in the API."""
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    response = client.post("/signin/verify", data={"csrf_token": token, "code": "12345678"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"


def test_open_limit_with_unreachable_storage_lets_the_request_through(client, calls):
    response = client.post(f"/api/v1/appeals/status/{'s' * 40}/replies", json={"body": "hello"})
    assert response.status_code not in (429, 500, 503)
    assert calls  # the limit was tried, and skipped


def test_storage_is_left_alone_for_a_moment_after_it_failed(client, calls):
    """A storage that stopped answering costs the first request its timeout, not every request."""
    for _ in range(3):
        assert client.post("/api/v1/sessions", json=CLOSED[0][1]).status_code == 503
    assert len(calls) == 1
