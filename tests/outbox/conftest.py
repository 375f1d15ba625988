from dataclasses import replace

import pytest
from people import get

from outbox.receivers import webhook_test_settings
from recovery.context import RenderedEmail
from recovery.outbox.models import OutboxMessage
from recovery.outbox.service import queue_email, queue_webhook


def _render(template: str, locale: str, **context) -> RenderedEmail:
    link = context.get("link", "https://recovery.example.test/reset/t0k3n")
    return RenderedEmail(subject=context.get("subject", "Reset your password"),
                         text=f"Open {link} within 30 minutes.\n", html=f'<p><a href="{link}">Reset</a></p>')


@pytest.fixture
def app_config(app_config) -> dict:
    """Opt in explicitly: the webhook receivers of these tests listen on 127.0.0.1 (never allowed by default)."""
    return {**app_config, "extra": webhook_test_settings()}


@pytest.fixture
def queue(services):
    """Queue through the real queue_email / queue_webhook (emails rendered by a stand-in composer)."""

    class Queue:
        def email(self, to: str = "ada@example.test", **context) -> int:
            with services() as ctx:
                message = queue_email(replace(ctx, compose_email=_render), to=to, template="test", **context)
                ctx.session.flush()
                return message.id

        def webhook(self, url: str, body: dict | None = None, secret_ref: str | None = None) -> int:
            with services() as ctx:
                message = queue_webhook(ctx, url=url, body=body or {"type": "test.ping"}, secret_ref=secret_ref)
                ctx.session.flush()
                return message.id

    return Queue()


@pytest.fixture
def stored(app):
    """The message row as the database holds it now."""

    return lambda message_id: get(app, OutboxMessage, message_id)
