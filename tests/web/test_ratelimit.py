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


def test_a_form_refused_by_its_limit_is_shown_again_with_the_text_typed_and_the_wait(client, people):
    """The sixth contact message in an hour is refused (429, Retry-After) on the form itself, with the message
    still in it: the limiter's refusal no longer replaces the page with one that loses what was typed."""
    page = client.get("/contact").get_data(as_text=True)
    message = "My account <b>was</b> taken over & I need it back"
    for n in range(6):
        response = client.post("/contact", data={"csrf_token": csrf_from(page), "email": f"u{n}@example.com",
                                                 "message": message, "step": "send"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    html = response.get_data(as_text=True)
    assert "My account &lt;b&gt;was&lt;/b&gt; taken over &amp; I need it back</textarea>" in html
    assert 'value="u5@example.com"' in html and "<form" in html
    assert 'role="alert"' in html or "error-summary" in html


def test_a_limited_api_answer_is_still_json(client):
    for _ in range(6):
        response = client.post("/api/v1/appeals/status/1.bad/evidence", data={"message": "x"},
                               content_type="multipart/form-data")
    assert response.status_code == 429 and response.get_json()["error"]["code"] == "rate_limited"


def test_a_limited_post_without_its_csrf_token_is_not_echoed_back(client):
    """Over the limit, a post from another site (no token) gets the plain 429 page: a form shown again only
    ever holds the person's own typing."""
    page = client.get("/contact").get_data(as_text=True)
    for n in range(5):
        client.post("/contact", data={"csrf_token": csrf_from(page), "email": f"u{n}@example.com",
                                      "message": "mine", "step": "send"})
    response = client.post("/contact", data={"email": "x@example.com", "message": "planted text", "step": "send"})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "planted text" not in response.get_data(as_text=True)


def test_a_limited_form_whose_page_cannot_be_drawn_gets_the_plain_429(client):
    """The status page's reply form over its limit with a link that is not valid: the form cannot be shown
    again (its page needs the ticket), so the plain 429 page, never a 500 (found by tests/web/test_fuzz.py)."""
    token = csrf_from(client.get("/contact").get_data(as_text=True))
    answers = [client.post("/appeal/status/1.bad/reply", data={"csrf_token": token, "message": "hi"}).status_code
               for _ in range(6)]
    assert answers[-1] == 429 and 500 not in answers
