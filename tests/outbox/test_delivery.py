"""Delivery: SMTP down means queued (never lost), backoff, final failure, leases, and one delivery per success."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes

import pytest
from helpers.outbox import ScriptedTransport, SmtpReceiver, WebhookReceiver, verify_signature
from helpers.processes import free_port
from sqlalchemy import select

from recovery.events.models import SecurityEvent
from recovery.outbox import delivery
from recovery.outbox.delivery import backoff_seconds, claim_due, deliver_due
from recovery.outbox.transports import build_transports
from recovery.outbox.transports.base import DeliveryError
from recovery.outbox.transports.webhooks import register_secret_resolver
from recovery.web.context import runtime

SMTP_PORT = free_port()


@pytest.fixture
def app(make_app):
    return make_app(smtp_host="127.0.0.1", smtp_port=SMTP_PORT, smtp_starttls=False, smtp_timeout_seconds=3,
                    outbox_max_attempts=4, outbox_backoff_base_seconds=5, outbox_backoff_max_seconds=30)


def _events(app, type_: str) -> list[SecurityEvent]:
    session = runtime(app).db.new_session()
    try:
        return list(session.scalars(select(SecurityEvent).where(SecurityEvent.type == type_)))
    finally:
        session.close()


def test_deliver_with_smtp_down_keeps_the_message_queued_then_delivers_once_it_is_up(app, clock, queue, stored):
    message_id = queue.email(to="ada@example.test")
    assert deliver_due(app, worker_id="w1") == 1
    waiting = stored(message_id)
    assert waiting.status == "queued" and waiting.attempts == 1
    assert "unreachable" in waiting.last_error
    assert clock.now() < waiting.next_attempt_at <= clock.now() + timedelta(seconds=5)
    assert deliver_due(app, worker_id="w1") == 0  # not due again before its retry time

    receiver = SmtpReceiver(SMTP_PORT).start()
    try:
        clock.advance(seconds=6)
        assert deliver_due(app, worker_id="w1") == 1
        assert deliver_due(app, worker_id="w1") == 0
    finally:
        receiver.stop()
    (received,) = receiver.messages
    mail = message_from_bytes(received["data"])
    key = stored(message_id).idempotency_key
    assert received["to"] == ["ada@example.test"]
    assert mail["Message-ID"] == f"<{key}@recovery>" and mail["X-Recovery-Idempotency-Key"] == key
    assert mail["Subject"] == "Reset your password"
    sent = stored(message_id)
    assert sent.status == "sent" and sent.sent_at == clock.now() and sent.attempts == 2
    assert sent.last_error is None and sent.locked_by is None


def test_deliver_backs_off_longer_after_each_failure_up_to_the_cap(app, clock, queue, stored):
    message_id = queue.email()
    failing = ScriptedTransport(*[DeliveryError("SMTP 421 busy")] * 3)
    delays = []
    for _ in range(3):
        clock.advance(seconds=60)
        deliver_due(app, transports={"email": failing})
        delays.append((stored(message_id).next_attempt_at - clock.now()).total_seconds())
    assert 3.75 <= delays[0] <= 5 and 7.5 <= delays[1] <= 10 and 15 <= delays[2] <= 20
    assert delays[0] < delays[1] < delays[2]


@pytest.mark.parametrize("attempts,fraction,expected", [
    (1, 0.0, 5), (2, 0.0, 10), (3, 0.0, 20), (4, 0.0, 30), (9, 0.0, 30), (1, 0.999999, 3.75), (4, 0.5, 26.25),
])
def test_backoff_doubles_from_the_base_is_capped_and_jitters_down_by_at_most_a_quarter(app, attempts, fraction,
                                                                                        expected):
    assert backoff_seconds(runtime(app).settings, attempts, fraction) == pytest.approx(expected, abs=0.001)


def test_deliver_after_the_last_attempt_marks_failed_and_records_an_event(app, clock, queue, stored):
    message_id = queue.email()
    failing = ScriptedTransport(*[DeliveryError("SMTP 421 busy")] * 10)
    for _ in range(6):
        deliver_due(app, transports={"email": failing})
        clock.advance(minutes=5)
    failed = stored(message_id)
    assert failed.status == "failed" and failed.attempts == 4 and failed.last_error == "SMTP 421 busy"
    assert len(failing.errors) == 6  # four tries, then nothing more
    (event,) = _events(app, "outbox.message.failed")
    assert event.details["message_id"] == message_id and event.actor_type == "system"


def test_deliver_permanent_error_fails_at_once(app, queue, stored):
    message_id = queue.email()
    deliver_due(app, transports={"email": ScriptedTransport(DeliveryError("recipient refused", retryable=False))})
    assert stored(message_id).status == "failed" and stored(message_id).attempts == 1


def test_deliver_unexpected_transport_error_retries_and_the_batch_goes_on(app, queue, stored):
    first, second = queue.email(to="a@example.test"), queue.email(to="b@example.test")
    transport = ScriptedTransport(RuntimeError("bug"))
    assert deliver_due(app, transports={"email": transport}) == 2
    assert stored(first).status == "queued" and stored(first).last_error == "unexpected error: RuntimeError"
    assert stored(second).status == "sent" and [m.recipient for m in transport.sent] == ["b@example.test"]


def test_deliver_sent_email_keeps_only_its_subject(app, queue, stored):
    message_id = queue.email()
    assert "t0k3n" in stored(message_id).payload["text"]
    deliver_due(app, transports={"email": ScriptedTransport()})
    assert stored(message_id).payload == {"subject": "Reset your password"}


def test_deliver_expired_lease_lets_another_worker_reclaim_and_the_late_outcome_is_ignored(app, clock, queue,
                                                                                            stored):
    message_id = queue.email()
    rt = runtime(app)
    (crashed,) = claim_due(rt, batch_size=10, worker_id="worker-a")  # claims, then "crashes" before sending
    assert stored(message_id).status == "sending" and stored(message_id).locked_by == "worker-a"
    other = ScriptedTransport()
    assert deliver_due(app, worker_id="worker-b", transports={"email": other}) == 0  # the lease still holds

    clock.advance(seconds=rt.settings.outbox_lease_seconds + 1)
    assert deliver_due(app, worker_id="worker-b", transports={"email": other}) == 1
    assert len(other.sent) == 1 and stored(message_id).status == "sent"
    delivery._record_failure(rt, crashed, "worker-a", "late news", retryable=True)
    assert stored(message_id).status == "sent" and stored(message_id).last_error is None


def test_deliver_lease_expiring_during_the_last_attempt_fails_the_message(app, clock, queue, stored):
    message_id = queue.email()
    rt = runtime(app)
    for _ in range(rt.settings.outbox_max_attempts):
        claim_due(rt, batch_size=10, worker_id="dies-every-time")
        clock.advance(seconds=rt.settings.outbox_lease_seconds + 1)
    assert deliver_due(app, transports={"email": ScriptedTransport()}) == 0
    assert stored(message_id).status == "failed" and "final attempt" in stored(message_id).last_error


def test_deliver_told_to_stop_hands_back_the_claims_it_did_not_send(app, queue, stored):
    ids = [queue.email(to=f"u{i}@example.test") for i in range(3)]
    transport = ScriptedTransport()
    assert deliver_due(app, transports={"email": transport}, should_stop=lambda: bool(transport.sent)) == 1
    assert [stored(i).status for i in ids] == ["sent", "queued", "queued"]
    assert [stored(i).attempts for i in ids] == [1, 0, 0] and stored(ids[1]).locked_by is None


def test_deliver_webhook_retries_while_the_receiver_is_down_then_signs_its_delivery(app, clock, queue, stored):
    port = free_port()
    message_id = queue.webhook(f"http://127.0.0.1:{port}/hooks/recovery", body={"type": "account.locked"},
                               secret_ref="sub:7")
    transports = build_transports(runtime(app), resolve_secret=lambda ref: "whsec-7" if ref == "sub:7" else None)
    deliver_due(app, transports=transports)
    assert stored(message_id).status == "queued" and "network error" in stored(message_id).last_error

    clock.advance(seconds=10)
    with WebhookReceiver(port=port) as receiver:
        assert deliver_due(app, transports=transports) == 1
    (request,) = receiver.requests
    assert verify_signature("whsec-7", request["headers"]["X-Recovery-Signature"], request["body"])
    assert request["headers"]["X-Recovery-Delivery"] == stored(message_id).idempotency_key
    assert stored(message_id).status == "sent"


def test_deliver_webhook_secret_comes_from_the_resolver_registered_for_its_scheme(app, queue, stored):
    register_secret_resolver("test-subscriptions", lambda rt, ref: f"secret-{ref}")
    with WebhookReceiver() as receiver:
        message_id = queue.webhook(receiver.url, secret_ref="test-subscriptions:42")
        deliver_due(app)
    (request,) = receiver.requests
    assert verify_signature("secret-42", request["headers"]["X-Recovery-Signature"], request["body"])
    assert stored(message_id).status == "sent"


def test_deliver_sends_a_batch_of_emails_over_one_smtp_connection_and_closes_it(app, queue, stored):
    ids = [queue.email(to=f"user{n}@example.test") for n in range(3)]
    receiver = SmtpReceiver(SMTP_PORT).start()
    try:
        assert deliver_due(app, worker_id="w1") == 3
        assert {stored(message_id).status for message_id in ids} == {"sent"}
        assert len(receiver.messages) == 3
        assert len({m["peer"] for m in receiver.messages}) == 1  # one connection for the batch
        later = queue.email(to="late@example.test")
        assert deliver_due(app, worker_id="w1") == 1 and stored(later).status == "sent"
        assert receiver.messages[-1]["peer"] != receiver.messages[0]["peer"]  # the batch's connection was closed
    finally:
        receiver.stop()


def test_deliver_reconnects_once_when_the_server_dropped_the_kept_connection(app, queue, stored):
    transports = build_transports(runtime(app))
    receiver = SmtpReceiver(SMTP_PORT).start()
    try:
        first = queue.email(to="one@example.test")
        transports["email"].send(delivery.claim_due(runtime(app), batch_size=1, worker_id="w1")[0].message)
        receiver.stop()  # the server goes away while the connection is kept
        receiver = SmtpReceiver(SMTP_PORT).start()
        second = queue.email(to="two@example.test")
        assert deliver_due(app, worker_id="w2", transports=transports) == 1
        assert stored(second).status == "sent" and [m["to"] for m in receiver.messages] == [["two@example.test"]]
        assert stored(first).status == "sending"  # claimed by hand above, never marked: not this test's concern
    finally:
        receiver.stop()
