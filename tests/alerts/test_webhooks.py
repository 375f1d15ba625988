"""Alert webhooks end to end: subscribe through the API, an alert fans out through the outbox, a receiver written
here verifies the signature and refuses replays, a receiver that is down gets retries with backoff, and the
delivery history shows it all."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.fernet import Fernet
from helpers.outbox import fake_resolver

from recovery.accounts.models import User
from recovery.alerts import service, webhooks
from recovery.alerts.models import WebhookSubscription
from recovery.errors import ValidationFailed
from recovery.outbox.delivery import deliver_due
from recovery.outbox.models import OutboxMessage

TOLERANCE = 300  # seconds a receiver accepts between the signed timestamp and its own clock


class Receiver:
    """What a subscriber runs: check X-Recovery-Signature (HMAC-SHA256 over "t.body"), refuse stale or replayed
    deliveries, then keep the alert."""

    def __init__(self, secret: str, now) -> None:
        self.secret, self.now = secret, now
        self.accepted: list[dict] = []
        self.refused: list[str] = []
        self.seen: set[str] = set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver.check(self.headers.get("X-Recovery-Signature", ""),
                                        self.headers.get("X-Recovery-Delivery", ""), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def check(self, header: str, delivery: str, body: bytes) -> int:
        try:
            parts = dict(item.split("=", 1) for item in header.split(","))
            timestamp = int(parts["t"])
        except (ValueError, KeyError):
            self.refused.append("malformed")
            return 400
        expected = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, parts.get("v1", "")):
            self.refused.append("signature")
            return 401
        if abs(self.now() - timestamp) > TOLERANCE:
            self.refused.append("stale")
            return 401
        if delivery in self.seen:
            self.refused.append("replay")
            return 200  # already have it: acknowledge without keeping it twice
        self.seen.add(delivery)
        self.accepted.append(json.loads(body))
        return 204

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def security(people):
    return people.headers(people.add("sec@example.com", role="security"))


def subscribe(client, headers, url: str, **fields) -> dict:
    response = client.post("/api/v1/webhooks", headers=headers, json={"url": url, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def raise_alert(services, severity: str = "high", source: str = "203.0.113.9") -> int:
    with services() as ctx:
        return service.raise_alert(ctx, rule="credential_stuffing", severity=severity, source=source,
                                   evidence={"ip_accounts": 20}).id


def test_delivery_is_signed_and_verified_by_the_receiver(app, client, clock, services, security, people):
    with Receiver("", lambda: clock.now().timestamp()) as receiver:
        created = subscribe(client, security, receiver.url, min_severity="medium")
        receiver.secret = created["secret"]
        alert_id = raise_alert(services)
        raise_alert(services, severity="low", source="198.51.100.1")  # below the subscription's minimum
        deliver_due(app)
    [body] = receiver.accepted
    assert body["type"] == "alert.raised" and body["alert"]["id"] == alert_id
    assert body["alert"]["rule"] == "credential_stuffing" and body["alert"]["severity"] == "high"
    [subscription] = people.rows(WebhookSubscription)
    assert created["secret"] not in subscription.secret_ciphertext  # only ciphertext at rest


def test_receiver_refuses_a_wrong_secret_and_a_stale_timestamp(app, client, clock, services, security):
    with Receiver("not-the-secret", lambda: clock.now().timestamp()) as receiver:
        subscribe(client, security, receiver.url)
        raise_alert(services)
        deliver_due(app)
        assert receiver.refused == ["signature"]
    with Receiver("", lambda: time.time() + 3600) as late:
        late.secret = subscribe(client, security, late.url)["secret"]
        raise_alert(services, source="198.51.100.99")
        deliver_due(app)
        assert "stale" in late.refused and not late.accepted


def test_receiver_down_gets_retries_with_backoff_then_the_delivery(app, client, clock, services, security, people):
    with Receiver("", lambda: clock.now().timestamp()) as probe:
        url = probe.url  # a port that will be closed when the alert goes out
    created = subscribe(client, security, url)
    raise_alert(services)
    deliver_due(app)
    clock.advance(seconds=10)
    deliver_due(app)
    [message] = people.rows(OutboxMessage, OutboxMessage.kind == "webhook")
    assert message.status == "queued" and message.attempts == 2 and "network error" in message.last_error
    assert message.next_attempt_at > clock.now()  # backing off
    history = client.get(f"/api/v1/webhooks/{created['id']}/deliveries", headers=security).get_json()
    [row] = history["deliveries"]
    assert row["status"] == "queued" and row["attempts"] == 2 and "network error" in row["last_error"]

    host, port = url.split("//")[1].split("/")[0].split(":")
    receiver = Receiver(created["secret"], lambda: clock.now().timestamp())
    receiver.server.server_close()
    receiver.server = ThreadingHTTPServer((host, int(port)), receiver.server.RequestHandlerClass)
    receiver.thread = threading.Thread(target=receiver.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
    clock.advance(minutes=1)
    with receiver:
        deliver_due(app)
    assert len(receiver.accepted) == 1
    [row] = client.get(f"/api/v1/webhooks/{created['id']}/deliveries", headers=security).get_json()["deliveries"]
    assert row["status"] == "sent" and row["attempts"] == 3


def test_deleted_subscription_gets_nothing_more(app, client, services, security, people):
    with Receiver("", lambda: time.time()) as receiver:
        created = subscribe(client, security, receiver.url)
        raise_alert(services)
        assert client.delete(f"/api/v1/webhooks/{created['id']}", headers=security).status_code == 204
        deliver_due(app)
        assert receiver.accepted == []
    [message] = people.rows(OutboxMessage, OutboxMessage.kind == "webhook")
    assert message.status == "failed"  # its secret is gone: it cannot be signed, so it is never sent
    assert client.get("/api/v1/webhooks", headers=security).get_json() == {"webhooks": []}


def test_growing_alert_sends_milestones_not_every_occurrence(app, client, clock, services, security):
    with Receiver("", lambda: clock.now().timestamp()) as receiver:
        receiver.secret = subscribe(client, security, receiver.url)["secret"]
        for _ in range(100):
            raise_alert(services)
        raise_alert(services, severity="critical")
        deliver_due(app)
    assert [b["type"] for b in receiver.accepted] == ["alert.raised", "alert.updated", "alert.updated",
                                                      "alert.escalated"]


@pytest.mark.parametrize("body, field", [
    ({"url": "ftp://example.com/hook"}, "url"),
    ({"url": "https://user:pw@example.com/hook"}, "url"),
    ({"url": "https://example.com/hook", "min_severity": "urgent"}, "min_severity"),
    ({"url": "https://example.com/hook", "secret": "short"}, "secret"),
])
def test_subscription_input_is_checked(client, security, body, field):
    response = client.post("/api/v1/webhooks", headers=security, json=body)
    assert response.status_code == 400 and field in response.get_json()["error"]["fields"]


NO_ALLOW_LIST = {"extra": {"webhook_allowed_hosts": ()}}  # this app's default, without the tests' opt-in


@pytest.mark.parametrize("overrides", [NO_ALLOW_LIST])
@pytest.mark.parametrize("url", ["https://169.254.169.254/latest/meta-data/", "https://127.0.0.1:6379/",
                                 "https://[::1]/", "https://10.0.0.5:8443", "https://0x7f000001/",
                                 "https://2130706433/", "https://127.1/", "https://100.64.0.1/"])
def test_subscription_to_a_non_public_address_is_refused(client, security, people, url):
    response = client.post("/api/v1/webhooks", headers=security, json={"url": url})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"]["url"] == [
        "Webhooks go only to public internet addresses, not to private, loopback, link-local or reserved ones."]
    assert people.rows(WebhookSubscription) == []


NAMES = {"rebind.example.com": ["93.184.215.14"]}


@pytest.mark.parametrize("overrides", [{"extra": {"webhook_allowed_hosts": (),
                                                  "webhook_resolver": fake_resolver(NAMES)}}])
def test_host_resolving_to_a_private_address_at_delivery_is_not_sent(app, client, services, security, people):
    created = subscribe(client, security, "https://rebind.example.com/hooks")  # public when subscribing
    NAMES["rebind.example.com"] = ["127.0.0.1"]  # ... and loopback when the alert goes out
    raise_alert(services)
    deliver_due(app)
    [message] = people.rows(OutboxMessage, OutboxMessage.kind == "webhook")
    assert message.status == "failed" and message.attempts == 1
    [row] = client.get(f"/api/v1/webhooks/{created['id']}/deliveries", headers=security).get_json()["deliveries"]
    assert row["last_error"] == "webhook destination not allowed"


@pytest.mark.parametrize("overrides", [{"env": "production", "encryption_keys": (Fernet.generate_key().decode(),),
                                        "extra": {"webhook_allowed_hosts": ()}}])
def test_production_refuses_a_plain_http_subscription(services, people):
    staff = people.add("sec@example.com", role="security")
    with services() as ctx, pytest.raises(ValidationFailed) as caught:
        webhooks.create_subscription(ctx, ctx.session.get(User, staff), url="http://hooks.example.com/h")
    assert caught.value.fields["url"] == ["Give an https:// URL without credentials in it."]
    with services() as ctx:
        webhooks.create_subscription(ctx, ctx.session.get(User, staff), url="https://hooks.example.com/h")
