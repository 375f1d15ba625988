"""The outbox from a test's side: real receivers for delivery tests (an SMTP server (aiosmtpd) and an HTTP webhook
endpoint, on 127.0.0.1), queueing into a live app's outbox from outside a request, and running the tasks requests
queued as the worker would."""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from recovery.context import RenderedEmail
from recovery.outbox.service import queue_email, queue_webhook
from recovery.web.context import app_service_context, runtime


class SmtpReceiver:
    """Collects every message an SMTP client hands over; start() and stop() simulate the server's outage."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[dict] = []
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "data": envelope.content, "peer": session.peer})
        return "250 Message accepted for delivery"

    def start(self) -> SmtpReceiver:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def verify_signature(secret: str, header: str, body: bytes) -> bool:
    """What a subscriber does with X-Recovery-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


class WebhookReceiver:
    """An HTTP endpoint answering `status` to every POST and keeping what it received."""

    def __init__(self, port: int = 0, status: int = 204, on_request=None) -> None:
        self.requests: list[dict] = []
        self.status = status
        self.on_request = on_request or (lambda: None)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                receiver.on_request()
                self.send_response(receiver.status)
                if 300 <= receiver.status < 400:
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/recovery"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


class ScriptedTransport:
    """An in-memory twin of a transport: raises the scripted errors in turn, then accepts and records."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.sent: list = []

    def send(self, message) -> None:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append(message)


PUBLIC_ADDRESS = "93.184.215.14"  # a public address the test names resolve to; nothing is ever sent there


class FakeResolver:
    """Name resolution for tests (settings.extra["webhook_resolver"]): `names` first (read at every lookup, so a
    test may change an answer, as a DNS rebind would), then every *.example.com host to PUBLIC_ADDRESS, then the
    system resolver (numeric hosts such as 0x7f000001 need no network). Resolvers of the same `names` object, or
    of none, are equal, so the apps built with them are one cached app (tests/helpers/apps.py)."""

    def __init__(self, names: dict[str, list[str]] | None = None) -> None:
        self.names = names or None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FakeResolver) and self.names is other.names

    def __hash__(self) -> int:
        return id(self.names)

    def __call__(self, host: str, port: int) -> list[str]:
        from recovery.outbox.destinations import system_resolve

        if self.names and host in self.names:
            return list(self.names[host])
        if host == "example.com" or host.endswith(".example.com"):
            return [PUBLIC_ADDRESS]
        return system_resolve(host, port)


def fake_resolver(names: dict[str, list[str]] | None = None) -> FakeResolver:
    return FakeResolver(names)


def webhook_test_settings(**names: list[str]) -> dict:
    """The explicit opt-in of these tests: a receiver on 127.0.0.1 is allowed, and names resolve as above."""
    return {"webhook_allowed_hosts": {"127.0.0.1"}, "webhook_resolver": fake_resolver(names)}


def render_test_email(template: str, locale: str, **context) -> RenderedEmail:
    link = context.get("link", "https://recovery.example.test/reset/t0k3n")
    return RenderedEmail(subject=context.get("subject", "Reset your password"),
                         text=f"Open {link} within 30 minutes.\n", html=f'<p><a href="{link}">Reset</a></p>')


def queue_into(app, kind: str, target: str, **fields) -> int:
    """Queue one email (to `target`, rendered by the stand-in composer) or webhook (to the URL `target`)."""
    with app.app_context(), runtime(app).db.transaction() as session:
        ctx = app_service_context(app, session)
        if kind == "email":
            message = queue_email(replace(ctx, compose_email=render_test_email), to=target, template="test", **fields)
        else:
            message = queue_webhook(ctx, url=target, body={"type": "test.ping", **fields})
        session.flush()
        return message.id


def run_queued_tasks(app) -> int:
    """Run every due task (never send mail or webhooks) as a delivery worker would; returns how many ran."""
    from recovery.outbox.delivery import deliver_due
    from recovery.outbox.tasks import TASK_KIND

    ran = 0
    while (batch := deliver_due(app, batch_size=100, worker_id="test-tasks", kinds=(TASK_KIND,))):
        ran += batch
    return ran
