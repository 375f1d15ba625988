"""Transports: mailbox files, SMTP errors, signed webhooks, and which transport settings choose."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import replace
from email import policy
from email.parser import BytesParser
from types import SimpleNamespace

import pytest
from helpers.outbox import PUBLIC_ADDRESS, WebhookReceiver, fake_resolver, verify_signature
from helpers.processes import free_port

from recovery.outbox.destinations import DestinationPolicy
from recovery.outbox.transports import build_transports
from recovery.outbox.transports.base import DeliveryError, OutgoingMessage, safe_key
from recovery.outbox.transports.mailbox import MailboxTransport, list_mailbox, read_mailbox_message
from recovery.outbox.transports.smtp import SmtpTransport
from recovery.outbox.transports.webhooks import WebhookTransport
from recovery.web.context import runtime

EMAIL = OutgoingMessage(1, "email", "ada@example.test", "key-123",
                        {"subject": "Reset your password", "text": "Open https://recovery.example.test/r/abc\n",
                         "html": "<p><a href='https://recovery.example.test/r/abc'>Reset</a></p>"})


# The explicit opt-in of these tests: plain http and the receivers on 127.0.0.1.
LOCAL = DestinationPolicy(allow_http=True, allowed_hosts=frozenset({"127.0.0.1"}))


def _webhook(url: str, secret_ref: str | None = "test:hook-1") -> OutgoingMessage:
    return OutgoingMessage(2, "webhook", url, "delivery-7",
                           {"body": {"type": "account.locked", "user_id": 5}, "secret_ref": secret_ref})


def test_mailbox_transport_writes_a_parseable_eml_with_text_and_html_parts(tmp_path, clock):
    MailboxTransport(tmp_path, mail_from="recovery <no-reply@example.test>", clock=clock).send(EMAIL)
    with (tmp_path / "key-123.eml").open("rb") as handle:
        mail = BytesParser(policy=policy.default).parse(handle)
    assert mail["To"] == "ada@example.test" and mail["Subject"] == "Reset your password"
    assert mail["Message-ID"] == "<key-123@recovery>" and mail["X-Recovery-Idempotency-Key"] == "key-123"
    assert mail.get_content_type() == "multipart/alternative"
    assert "https://recovery.example.test/r/abc" in mail.get_body(("plain",)).get_content()
    assert "<a href=" in mail.get_body(("html",)).get_content()
    assert not list(tmp_path.glob("*.tmp"))


def test_mailbox_transport_same_message_twice_leaves_one_file(tmp_path, clock):
    transport = MailboxTransport(tmp_path, mail_from="r <r@example.test>", clock=clock)
    transport.send(EMAIL)
    transport.send(EMAIL)
    assert [entry.name for entry in list_mailbox(tmp_path)] == ["key-123.eml"]


def test_mailbox_lists_newest_first_and_refuses_names_outside_it(tmp_path, clock):
    transport = MailboxTransport(tmp_path, mail_from="r <r@example.test>", clock=clock)
    transport.send(EMAIL)
    clock.advance(minutes=1)
    transport.send(OutgoingMessage(3, "email", "bob@example.test", "key-456", {"subject": "Later", "text": "x"}))
    assert [entry.subject for entry in list_mailbox(tmp_path)] == ["Later", "Reset your password"]
    assert read_mailbox_message(tmp_path, "../key-123.eml") is None
    assert read_mailbox_message(tmp_path, "key-123.eml")["To"] == "ada@example.test"


def test_mailbox_transport_refuses_a_recipient_with_a_line_break_for_good(tmp_path, clock):
    injected = OutgoingMessage(4, "email", "ada@example.test\r\nBcc: eve@example.test", "key-9", {"text": "x"})
    with pytest.raises(DeliveryError) as caught:
        MailboxTransport(tmp_path, mail_from="r <r@example.test>", clock=clock).send(injected)
    assert not caught.value.retryable and not list(tmp_path.glob("*.eml"))


def test_safe_key_keeps_plain_keys_and_digests_others():
    assert safe_key("abc-DEF_1.2") == "abc-DEF_1.2"
    odd = safe_key("reset:42 <x>")
    assert odd != "reset:42 <x>" and odd.isalnum() and odd == safe_key("reset:42 <x>")


def test_smtp_transport_with_nothing_listening_raises_a_retryable_error(app, clock):
    settings = replace(runtime(app).settings, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_starttls=False,
                       smtp_timeout_seconds=2)
    with pytest.raises(DeliveryError) as caught:
        SmtpTransport(settings, clock=clock).send(EMAIL)
    assert caught.value.retryable and "unreachable" in str(caught.value)


def test_webhook_signature_verifies_at_the_receiver(clock):
    with WebhookReceiver() as receiver:
        WebhookTransport(lambda ref: "whsec-test" if ref == "test:hook-1" else None, clock=clock,
                         policy=LOCAL).send(_webhook(receiver.url))
    (request,) = receiver.requests
    headers = request["headers"]
    assert verify_signature("whsec-test", headers["X-Recovery-Signature"], request["body"])
    assert not verify_signature("another-secret", headers["X-Recovery-Signature"], request["body"])
    assert headers["X-Recovery-Signature"].startswith(f"t={int(clock.now().timestamp())},v1=")
    assert headers["X-Recovery-Delivery"] == "delivery-7"
    assert json.loads(request["body"]) == {"type": "account.locked", "user_id": 5}


@pytest.mark.parametrize("status", [500, 404, 302])
def test_webhook_answer_other_than_2xx_is_a_retryable_error(clock, status):
    with WebhookReceiver(status=status) as receiver:
        with pytest.raises(DeliveryError) as caught:
            WebhookTransport(lambda ref: "s", clock=clock, policy=LOCAL).send(_webhook(receiver.url))
    assert caught.value.retryable and f"HTTP {status}" in str(caught.value)
    assert len(receiver.requests) == 1  # a redirect is not followed


def test_webhook_receiver_down_is_a_retryable_error(clock):
    with pytest.raises(DeliveryError) as caught:
        WebhookTransport(lambda ref: "s", clock=clock, timeout=2, policy=LOCAL).send(
            _webhook(f"http://127.0.0.1:{free_port()}/hook"))
    assert caught.value.retryable
    assert str(caught.value) == "webhook delivery failed (network error)"  # not "refused": no port-scan oracle


@pytest.mark.parametrize("url,secret", [("file:///etc/passwd", "s"), ("http://127.0.0.1:1/h", None)])
def test_webhook_bad_url_or_unknown_secret_fails_for_good(clock, url, secret):
    with pytest.raises(DeliveryError) as caught:
        WebhookTransport(lambda ref: secret, clock=clock, policy=LOCAL).send(_webhook(url))
    assert not caught.value.retryable


def test_webhook_to_a_host_now_resolving_to_a_private_address_is_refused_for_good(clock):
    """DNS changed after subscribing: the delivery-time check refuses it and the receiver hears nothing."""
    policy = DestinationPolicy(resolve=fake_resolver({"hooks.example.com": ["127.0.0.1"]}))
    with WebhookReceiver() as receiver:
        with pytest.raises(DeliveryError) as caught:
            WebhookTransport(lambda ref: "s", clock=clock, policy=policy).send(
                _webhook(f"https://hooks.example.com:{receiver.port}/hooks/recovery"))
    assert not caught.value.retryable and str(caught.value) == "webhook destination not allowed"
    assert receiver.requests == []


@pytest.mark.parametrize("answers", [[PUBLIC_ADDRESS, "10.0.0.5"], ["::ffff:169.254.169.254"]])
def test_webhook_refused_when_any_address_of_the_host_is_not_public(clock, answers):
    policy = DestinationPolicy(resolve=fake_resolver({"hooks.example.com": answers}))
    with pytest.raises(DeliveryError) as caught:
        WebhookTransport(lambda ref: "s", clock=clock, policy=policy).send(_webhook("https://hooks.example.com/h"))
    assert not caught.value.retryable


def test_webhook_connects_to_the_address_it_checked_and_keeps_the_host_header(clock):
    """The name is resolved once per send and the connection goes to that address (no second lookup a DNS
    rebind could answer differently); the request still names the URL's host."""
    lookups: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    policy = DestinationPolicy(allow_http=True, allowed_hosts=frozenset({"hooks.example.com"}), resolve=resolve)
    with WebhookReceiver() as receiver:
        WebhookTransport(lambda ref: "s", clock=clock, policy=policy).send(
            _webhook(f"http://hooks.example.com:{receiver.port}/hooks/recovery?x=1"))
    (request,) = receiver.requests
    assert request["headers"]["Host"] == f"hooks.example.com:{receiver.port}"
    assert request["path"] == "/hooks/recovery?x=1" and lookups == ["hooks.example.com"]


def test_webhook_transport_by_default_refuses_loopback_and_plain_http(clock):
    with WebhookReceiver() as receiver:
        for url in (receiver.url, receiver.url.replace("http://", "https://")):
            with pytest.raises(DeliveryError) as caught:
                WebhookTransport(lambda ref: "s", clock=clock).send(_webhook(url))
            assert not caught.value.retryable
    assert receiver.requests == []


def test_transports_are_chosen_from_settings(app):
    rt = runtime(app)
    local = build_transports(rt)
    smtp = build_transports(SimpleNamespace(settings=replace(rt.settings, smtp_host="smtp.example.test"),
                                            clock=rt.clock))
    assert isinstance(local["email"], MailboxTransport) and isinstance(smtp["email"], SmtpTransport)
    assert isinstance(local["webhook"], WebhookTransport)


def test_webhook_carries_the_message_idempotency_key_for_the_receiver_to_drop_a_repeat(clock):
    with WebhookReceiver() as receiver:
        WebhookTransport(lambda ref: "s", clock=clock, policy=LOCAL).send(_webhook(receiver.url))
    (request,) = receiver.requests
    assert request["headers"]["Idempotency-Key"] == request["headers"]["X-Recovery-Delivery"] == "delivery-7"


class Trickler:
    """A TCP peer that answers `preamble` one byte every `every` seconds: alive, but never done in time."""

    def __init__(self, preamble: bytes, every: float = 0.2) -> None:
        self.preamble, self.every = preamble, every
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        connection, _ = self.server.accept()
        with connection:
            for byte in self.preamble:
                if self.done.wait(self.every):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:  # the client gave up: what the deadline is for
                    return
            self.done.wait(30)

    def __enter__(self) -> Trickler:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.server.close()
        self.thread.join(timeout=5)


def test_webhook_timeout_bounds_the_whole_post_even_when_the_receiver_trickles(clock):
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 60\r\n\r\n" + b"x" * 60
    transport = WebhookTransport(lambda ref: "s", clock=clock, timeout=1, policy=LOCAL)
    with WebhookReceiver() as prompt:
        transport.send(_webhook(prompt.url))  # a send well within its bound leaves the next one its own
    with Trickler(answer) as receiver:
        started = time.monotonic()
        with pytest.raises(DeliveryError) as caught:
            transport.send(_webhook(f"http://127.0.0.1:{receiver.port}/hook"))
        elapsed = time.monotonic() - started
    assert caught.value.retryable and elapsed < 2  # per read, each byte came in time: 20 s before


def test_smtp_timeout_bounds_the_whole_exchange_even_when_the_server_trickles(app, clock):
    with Trickler(b"220 relay.example.test ESMTP ready, slowly\r\n" * 2) as relay:
        settings = replace(runtime(app).settings, smtp_host="127.0.0.1", smtp_port=relay.port, smtp_starttls=False,
                           smtp_timeout_seconds=1)
        started = time.monotonic()
        with pytest.raises(DeliveryError) as caught:
            SmtpTransport(settings, clock=clock).send(EMAIL)
        elapsed = time.monotonic() - started
    assert caught.value.retryable and elapsed < 2
