"""Staff outbox page (security and admin only; never a message body) and the dev-only mailbox pages."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from helpers.csrf import csrf_from
from sqlalchemy import select

from recovery.events.models import SecurityEvent
from recovery.outbox.delivery import deliver_due
from recovery.outbox.models import OutboxMessage
from recovery.web.context import runtime


@pytest.fixture
def app_settings(app_settings):
    """The dev mailbox pages exist only when asked for (tests/web/test_dev_mailbox.py)."""
    return {**app_settings, "dev_mailbox": True}


def _fail(services, message_id: int) -> None:
    with services() as ctx:
        message = ctx.session.get(OutboxMessage, message_id)
        message.status, message.attempts, message.last_error = "failed", 12, "SMTP 421 busy"


@pytest.mark.parametrize("role,status", [(None, 302), ("user", 403), ("agent", 403), ("security", 200), ("admin", 200)])
def test_staff_outbox_page_is_for_security_and_admin_only(people, role, status):
    response = people.get_as(role, "/staff/outbox")
    assert response.status_code == status and (status != 302 or "/signin" in response.headers["Location"])


def test_staff_outbox_page_lists_failed_first_without_bodies_or_webhook_secrets(client, people, queue, services):
    people.sign_in(people.add("sec@example.test", role="security"))
    queue.email(to="first@example.test", subject="Verify your email")
    failed = queue.email(to="ada@example.test")
    queue.webhook("https://hooks.example.test/services/T000/B000/s3cr3tpath?token=abc")
    _fail(services, failed)
    html = client.get("/staff/outbox").get_data(as_text=True)
    assert html.index("ada@example.test") < html.index("first@example.test")
    assert "SMTP 421 busy" in html and "Reset your password" in html and "Retry" in html
    assert "https://hooks.example.test" in html
    assert "t0k3n" not in html and "s3cr3tpath" not in html and "token=abc" not in html


def test_staff_retry_button_requeues_a_failed_message(client, people, queue, services, stored):
    people.sign_in(people.add("sec@example.test", role="security"))
    message_id = queue.email()
    _fail(services, message_id)
    token = csrf_from(client.get("/staff/outbox?status=failed").get_data(as_text=True))
    response = client.post(f"/staff/outbox/{message_id}/retry", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/outbox?status=failed")
    assert stored(message_id).status == "queued" and stored(message_id).attempts == 0
    with services() as ctx:
        assert ctx.session.scalar(select(SecurityEvent).where(SecurityEvent.type == "outbox.message.retried"))
    assert "queued again" in client.get("/staff/outbox").get_data(as_text=True)


def test_staff_retry_without_csrf_token_changes_nothing(client, people, queue, services, stored):
    people.sign_in(people.add("sec@example.test", role="security"))
    message_id = queue.email()
    _fail(services, message_id)
    assert client.post(f"/staff/outbox/{message_id}/retry").status_code == 400
    assert stored(message_id).status == "failed"


def test_staff_outbox_page_renders_in_chinese(client, people):
    people.sign_in(people.add("sec@example.test", role="security", locale="zh_Hans"))
    html = client.get("/staff/outbox", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "发件箱" in html and "Outbox" not in html


def test_dev_mailbox_lists_delivered_mail_newest_first_and_shows_links(app, client, queue, clock):
    queue.email(to="older@example.test", subject="Older")
    deliver_due(app)
    clock.advance(minutes=1)
    queue.email(to="newer@example.test", subject="Newer", link="https://recovery.example.test/reset/abc?x=1&y=2")
    deliver_due(app)
    listing = client.get("/dev/mailbox").get_data(as_text=True)
    assert listing.index("newer@example.test") < listing.index("older@example.test")
    name = sorted(p.name for p in runtime(app).settings.mailbox_dir.glob("*.eml")
                  if "newer" in p.read_text())[0]
    response = client.get(f"/dev/mailbox/{name}")
    assert response.status_code == 200 and response.headers["Referrer-Policy"] == "no-referrer"
    assert '<a href="https://recovery.example.test/reset/abc?x=1&amp;y=2" rel="noreferrer">' in response.get_data(
        as_text=True)


@pytest.mark.parametrize("name", ["..%2F..%2Fsecret_key", "missing.eml", "notes.txt"])
def test_dev_mailbox_message_outside_the_mailbox_is_not_found(client, name):
    assert client.get(f"/dev/mailbox/{name}").status_code == 404


@pytest.mark.parametrize("settings", [{"smtp_host": "smtp.example.test"},
                                      {"env": "production", "encryption_keys": (Fernet.generate_key().decode(),),
                                       "extra": {}, "dev_mailbox": False}])
def test_dev_mailbox_does_not_exist_with_smtp_or_in_production(make_app, settings):
    client = make_app(**settings).test_client()
    assert client.get("/dev/mailbox").status_code == 404
    assert client.get("/dev/mailbox/x.eml").status_code == 404
