"""Asking for a reset link: one answer for every address, links built from the base URL, limits that reveal nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from helpers.mail import token_in

from recovery.reset.service import BLOCKED_TEMPLATE, LINK_TEMPLATE
from recovery.web.ratelimit import limiter

# Values that follow the wall clock (to the second) or the request (its id), not the account: compared by name only.
_CLOCK_HEADERS = {"Date", "X-RateLimit-Reset", "X-RateLimit-Retry-After", "Retry-After", "X-Request-ID"}


def _fresh_limits(app: Flask) -> None:
    with app.app_context():
        limiter.reset()


def _answer(response) -> tuple:
    headers = sorted((k, "" if k in _CLOCK_HEADERS else v) for k, v in response.headers.items())
    return response.status_code, response.get_data(), headers


def test_request_known_and_unknown_email_give_identical_api_answers(app, client, make_account):
    make_account("ada@example.com")
    make_account("locked@example.com", status="locked", reason="staff review")
    answers = []
    for email in ("ada@example.com", "nobody@example.com", "locked@example.com"):
        _fresh_limits(app)
        answers.append(_answer(client.post("/api/v1/password-resets", json={"email": email})))
    assert answers[0][0] == 202
    assert answers[0] == answers[1] == answers[2]


def test_request_known_and_unknown_email_give_identical_pages_and_cookies(app, client, csrf, make_account):
    make_account("ada@example.com")
    token = csrf("/forgot")
    answers = []
    for email in ("ada@example.com", "nobody@example.com"):
        _fresh_limits(app)
        answers.append(_answer(client.post("/forgot", data={"email": email, "csrf_token": token})))
    assert answers[0][0] == 202
    assert b"Check your email" in answers[0][1]
    assert answers[0] == answers[1]


def test_request_known_account_queues_a_link_to_the_address_on_file(client, outbox, account, db_rows):
    response = client.post("/api/v1/password-resets", json={"email": "  ADA@Example.COM "})
    assert response.status_code == 202
    [message] = outbox(template=LINK_TEMPLATE)
    assert message.recipient == "ada@example.com" and message.user_id == account.id
    [row] = db_rows.resets(account.id)
    assert row.used_at is None and row.revoked_at is None
    assert row.expires_at - row.created_at == __import__("datetime").timedelta(minutes=30)
    assert token_in(message) not in row.id_digest  # only the HMAC of the id is stored


def test_request_with_poisoned_host_header_still_links_to_the_base_url(client, outbox, account):
    client.post("/api/v1/password-resets", json={"email": account.email},
                headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
    [message] = outbox(template=LINK_TEMPLATE)
    assert "evil.example" not in message.payload["text"] + message.payload["html"]
    assert f"https://recovery.example.test/reset/{token_in(message)}" in message.payload["text"]


def test_request_unknown_email_queues_nothing_but_records_the_attempt(client, outbox, services):
    from sqlalchemy import select

    from recovery.events.models import SecurityEvent

    assert client.post("/api/v1/password-resets", json={"email": "nobody@example.com"}).status_code == 202
    assert outbox() == []
    with services() as ctx:
        event = ctx.session.scalar(select(SecurityEvent).where(SecurityEvent.type ==
                                                               "account.password.reset_requested"))
        assert event.user_id is None and event.details["outcome"] == "unknown_account"
        assert "nobody" not in str(event.details)


def test_request_itself_only_queues_one_task_for_every_address(client, make_account, services):
    from sqlalchemy import select

    from recovery.events.models import SecurityEvent
    from recovery.outbox.models import OutboxMessage
    from recovery.reset.models import PasswordReset

    make_account("ada@example.com")
    for email in ("ada@example.com", "nobody@example.com"):
        response = client.post("/api/v1/password-resets", json={"email": email},
                               environ_base={"REMOTE_ADDR": "203.0.113.7"})
        assert response.status_code == 202
    with services() as ctx:  # what the requests wrote, before any worker ran
        queued = [(m.kind, m.recipient, m.payload["args"]) for m in ctx.session.scalars(select(OutboxMessage))]
        assert queued == [("task", "reset.request", {"email": "ada@example.com"}),
                          ("task", "reset.request", {"email": "nobody@example.com"})]
        assert ctx.session.scalars(select(PasswordReset)).all() == []
        assert ctx.session.scalars(select(SecurityEvent)).all() == []


def test_request_runs_in_the_worker_as_the_requester(client, outbox, account, services):
    from sqlalchemy import select

    from recovery.events.models import SecurityEvent

    client.post("/api/v1/password-resets", json={"email": account.email}, environ_base={"REMOTE_ADDR": "203.0.113.7"})
    [message] = outbox(to=account.email, template=LINK_TEMPLATE)
    assert "203.0.113.7" in message.payload["text"]
    with services() as ctx:
        event = ctx.session.scalar(select(SecurityEvent).where(SecurityEvent.type ==
                                                               "account.password.reset_requested"))
        assert (event.user_id, event.ip, event.details["outcome"]) == (account.id, "203.0.113.7", "link_sent")


@pytest.mark.parametrize("status", ["locked", "suspended", "banned"])
def test_request_blocked_account_gets_no_link_but_how_to_appeal(client, outbox, make_account, db_rows, status):
    blocked = make_account("mallory@example.com", status=status, reason="reported as stolen")
    assert client.post("/api/v1/password-resets", json={"email": blocked.email}).status_code == 202
    assert outbox(template=LINK_TEMPLATE) == []
    assert db_rows.resets(blocked.id) == []
    [notice] = outbox(to=blocked.email, template=BLOCKED_TEMPLATE)
    assert "https://recovery.example.test/appeal" in notice.payload["text"]
    assert "reported as stolen" in notice.payload["text"]
    assert "/reset/" not in notice.payload["text"]


def test_request_fourth_link_retires_the_oldest(client, account, request_link, db_rows):
    tokens = [request_link() for _ in range(4)]
    rows = db_rows.resets(account.id)
    assert [r.revoked_reason for r in rows] == ["replaced", None, None, None]
    first = client.post("/api/v1/password-resets/confirm",
                        json={"token": tokens[0], "password": "copper lantern drifts over seven quiet hills"})
    assert first.status_code == 409 and first.get_json()["error"]["code"] == "reset_link_revoked"


def test_request_new_link_does_not_extend_older_ones(client, clock, account, request_link):
    old = request_link()
    clock.advance(minutes=20)
    request_link()
    clock.advance(minutes=11)
    response = client.post("/api/v1/password-resets/confirm",
                           json={"token": old, "password": "copper lantern drifts over seven quiet hills"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "reset_link_expired"


def test_request_over_the_per_email_cap_answers_the_same_and_sends_nothing(client, outbox, account):
    answers = [client.post("/api/v1/password-resets", json={"email": account.email}) for _ in range(6)]
    assert {r.status_code for r in answers} == {202}
    assert answers[4].get_data() == answers[5].get_data()
    assert len(outbox(template=LINK_TEMPLATE)) == 5
    # The cap counts the address, not the account: an unknown address is capped (silently) the same way.
    unknown = [client.post("/api/v1/password-resets", json={"email": "nobody@example.com"}) for _ in range(6)]
    assert {r.status_code for r in unknown} == {202}


def test_request_cap_is_per_address_so_another_address_still_gets_its_link(client, outbox, make_account):
    make_account("ada@example.com")
    make_account("bob@example.com")
    for _ in range(6):
        client.post("/api/v1/password-resets", json={"email": "ada@example.com"})
    client.post("/api/v1/password-resets", json={"email": "bob@example.com"})
    assert len(outbox(to="bob@example.com", template=LINK_TEMPLATE)) == 1


def test_request_over_the_per_ip_limit_answers_429_for_any_address(make_app):
    app = make_app(extra={"reset_request_ip_limit": "3 per hour", "reset_per_email_limit": "100 per hour"})
    client = app.test_client()
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        assert client.post("/api/v1/password-resets", json={"email": email}).status_code == 202
    refused = client.post("/api/v1/password-resets", json={"email": "d@example.com"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["error"]["code"] == "rate_limited"
    # The page shares the per-IP counter with the API.
    token = client.get("/forgot").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/forgot", data={"email": "e@example.com", "csrf_token": token}).status_code == 429


def test_request_malformed_email_is_a_field_error(client):
    response = client.post("/api/v1/password-resets", json={"email": "not an address"})
    assert response.status_code == 400
    assert "email" in response.get_json()["error"]["fields"]
    assert client.post("/api/v1/password-resets", json={}).status_code == 400


def test_request_page_shows_a_form_and_reshows_a_malformed_address(client, csrf):
    page = client.get("/forgot")
    assert page.status_code == 200 and 'name="email"' in page.get_data(as_text=True)
    response = client.post("/forgot", data={"email": "not an address", "csrf_token": csrf("/forgot")})
    assert response.status_code == 400
    assert 'value="not an address"' in response.get_data(as_text=True)


def test_request_link_email_is_in_the_account_language(client, outbox, make_account):
    make_account("li@example.com", locale="zh_Hans")
    client.post("/api/v1/password-resets", json={"email": "li@example.com"})
    [message] = outbox(template=LINK_TEMPLATE)
    assert message.payload["subject"] == "重置您的密码"


def test_send_reset_link_by_staff_emails_the_same_link_and_records_who(services, account, outbox, db_rows):
    from recovery.accounts.models import User
    from recovery.context import Actor
    from recovery.reset.service import send_reset_link

    with services(Actor("staff", 999, "10.0.0.9", "console")) as ctx:
        send_reset_link(ctx, ctx.session.get(User, account.id))
    [message] = outbox(template=LINK_TEMPLATE)
    assert message.recipient == account.email and "/reset/" in message.payload["text"]
    assert len(db_rows.resets(account.id)) == 1
