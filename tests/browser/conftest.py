"""Headless Chromium (Debian's package) driven by Playwright against the app served on 127.0.0.1.

The server runs in a thread on the test's app, so its database work is rolled back like any other test.
A missing browser fails these tests; it never skips them.
"""

from __future__ import annotations

import re
import threading
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from helpers.database import serial
from playwright.sync_api import sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from recovery.web.context import runtime

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: install Debian's chromium package"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PathOnlyLogHandler(WSGIRequestHandler):
    """Logs requests like production's access log does: the path without its query string (links carry codes)."""

    def log_request(self, code="-", size="-") -> None:
        self.log("info", '"%s %s" %s', self.command, self.path.split("?", 1)[0], code)


@pytest.fixture(scope="session")
def _server():
    """One server on a free port for the whole run, so the served app's settings (its base URL) stay the same
    and `make_app` builds it once: each test puts its own (reset, rolled-back) app behind it."""
    holder: dict = {}
    lock = threading.RLock()

    def serve_one(environ, start):  # whole answer under the lock: the body may still read the database
        with lock:
            app = holder.get("app")
            if app is None:  # between tests (a request the last page left behind): no app to answer it
                start("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"no test is running"]
            answer = app(environ, start)
            try:
                return list(answer)
            finally:
                if hasattr(answer, "close"):
                    answer.close()

    server = make_server("127.0.0.1", 0, serve_one, threaded=False, request_handler=PathOnlyLogHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder, lock, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def live_server(_server, make_app):
    """The test's app served on 127.0.0.1; returns it and its base URL. Links in emails use the same URL."""
    holder, lock, base_url = _server
    app = make_app(base_url=base_url)
    app.extensions["serial_db"] = lock  # helpers.database.serial: the test thread's reads wait for it
    with lock:
        holder["app"] = app
    yield app, base_url
    with lock:  # before make_app rolls the test's transaction back
        holder.pop("app", None)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def mailbox():
    """Deliver what the outbox holds into the local mailbox, then read the newest message to an address."""

    def latest(app, to: str) -> dict:
        from recovery.outbox.delivery import deliver_due

        with serial(app):
            while deliver_due(app, batch_size=100, worker_id="browser-test"):  # a task's email: next batch
                pass
        directory = Path(runtime(app).settings.mailbox_dir)
        messages = []
        for path in sorted(directory.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
            with path.open("rb") as handle:
                message = BytesParser(policy=policy.default).parse(handle)
            if to in message["To"]:
                messages.append(message)
        assert messages, f"no mail to {to} in {directory}"
        message = messages[-1]
        text = message.get_body(preferencelist=("plain",)).get_content()
        return {"subject": message["Subject"], "text": text, "links": re.findall(r"https?://\S+", text)}

    return latest
