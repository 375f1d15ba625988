from dataclasses import replace

import pytest
from helpers.database import get
from helpers.outbox import render_test_email as _render
from helpers.outbox import webhook_test_settings

from recovery.outbox.models import OutboxMessage
from recovery.outbox.service import queue_email, queue_webhook


@pytest.fixture
def app_settings(app_settings) -> dict:
    """Opt in explicitly: the webhook receivers of these tests listen on 127.0.0.1 (never allowed by default)."""
    return {**app_settings, "extra": webhook_test_settings()}


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


@pytest.fixture
def live_app(own_database, app_config, clock):
    """Apps on a database of their own whose work really commits (worker threads, several connections at once):
    `live_app(**overrides)` builds one more on the same database, as another process would."""
    from recovery.app import create_app
    from recovery.web.context import runtime

    made = []

    def factory(**overrides):
        made.append(create_app({**app_config, "database_url": own_database, **overrides}, clock=clock))
        return made[-1]

    yield factory
    for app in made:
        runtime(app).db.dispose()

