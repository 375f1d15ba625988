"""GET /metrics: each domain counter moves after a scripted session, names and labels hold, access stays private."""

from __future__ import annotations

import json
import re
import socket
from datetime import timedelta
from pathlib import Path
from urllib.request import urlopen

import pytest
from helpers.mail import token_in
from helpers.outbox import ScriptedTransport, queue_into
from helpers.people import ADA, NEW_PASSWORD, PASSWORD, Accounts
from prometheus_client.parser import text_string_to_metric_families

from recovery.accounts.service import get_user, get_user_by_email
from recovery.detection.containment import secure_account
from recovery.detection.stepup import start_step_up
from recovery.events.service import record_event
from recovery.observability import metrics
from recovery.observability.endpoint import metrics_access
from recovery.outbox.delivery import deliver_due
from recovery.outbox.jobs import publish_queue_gauges
from recovery.outbox.models import OutboxMessage
from recovery.outbox.transports.base import DeliveryError
from recovery.outbox.worker import _metrics_server
from recovery.settings import build_settings
from recovery.tickets.jobs import check_slas, publish_sla_gauges
from recovery.tickets.service import open_ticket

PEOPLE = Accounts
BOB = "bob@example.com"


def scrape(client, **kwargs) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


# (sample name, labels) that the scripted session below must move.
MOVED = [
    ("recovery_user_events_total", {"event": "account.created", "error": ""}),
    ("recovery_user_events_total", {"event": "account.signin.failed", "error": "wrong_password"}),
    ("recovery_signins_total", {"result": "success", "reason": ""}),
    ("recovery_signins_total", {"result": "failure", "reason": "wrong_password"}),
    ("recovery_signins_total", {"result": "refused", "reason": "email_unverified"}),
    ("recovery_second_factor_steps_total", {"result": "started", "method": ""}),
    ("recovery_second_factor_steps_total", {"result": "passed", "method": "totp"}),
    ("recovery_second_factor_steps_total", {"result": "failed", "method": ""}),
    ("recovery_step_ups_total", {"result": "started"}),
    ("recovery_mfa_enrolments_total", {"method": "totp"}),
    ("recovery_password_resets_total", {"stage": "requested", "outcome": "link_sent"}),
    ("recovery_password_resets_total", {"stage": "completed", "outcome": ""}),
    ("recovery_account_locks_total", {"kind": "status_locked"}),
    ("recovery_containments_total", {"source": "signin_notice"}),
    ("recovery_alerts_raised_total", {"rule": "account_reported_stolen", "severity": "high"}),
    ("recovery_tickets_opened_total", {"category": "other", "priority": "3"}),
    ("recovery_ticket_sla_events_total", {"kind": "breach_first_response", "priority": "3"}),
    ("recovery_outbox_deliveries_total", {"kind": "email", "result": "sent"}),
    ("recovery_outbox_deliveries_total", {"kind": "webhook", "result": "retry"}),
    ("recovery_webhook_duration_seconds_count", {"result": "error"}),
    ("recovery_http_request_duration_seconds_count", {"endpoint": "signin_api.create_session", "method": "POST"}),
    ("recovery_http_requests_total", {"endpoint": "signin_api.create_session", "method": "POST", "status": "401"}),
]


def test_a_scripted_session_moves_every_domain_counter(app, client, people, services, clock):
    before = scrape(client)
    assert client.post("/api/v1/accounts", json={"email": "new@example.com", "password": PASSWORD}).status_code == 202
    client.post("/api/v1/sessions", json={"email": "new@example.com", "password": PASSWORD})  # not verified yet
    ada = people.user(ADA)
    assert client.post("/api/v1/sessions", json={"email": ADA, "password": "wrong " + PASSWORD}).status_code == 401
    phone = people.enroll(ADA)
    mfa = client.post("/api/v1/sessions", json={"email": ADA, "password": PASSWORD}).get_json()
    client.post("/api/v1/sessions/mfa", json={"mfa_token": mfa["mfa_token"], "code": "000000"})
    assert client.post("/api/v1/sessions/mfa", json={"mfa_token": mfa["mfa_token"],
                                                     "code": phone.code()}).status_code == 201
    people.user(BOB)
    client.post("/api/v1/password-resets", json={"email": BOB})
    deliver_due(app, worker_id="t", transports={"email": ScriptedTransport()}, kinds=("task",))
    [link] = people.rows(OutboxMessage, template="reset_link")
    assert client.post("/api/v1/password-resets/confirm",
                       json={"token": token_in(link), "password": NEW_PASSWORD}).status_code == 200
    with services() as ctx:
        start_step_up(ctx, get_user_by_email(ctx, BOB), kind="api")  # a risky sign-in's emailed code
    people.set_status(ada, "locked", "review")
    with services() as ctx:
        secure_account(ctx, get_user(ctx, ada), source="signin_notice")
    with services() as ctx:
        open_ticket(ctx, category="other", user_id=None, subject="Help", message="Please help", source="api",
                    priority=3, requester_email="someone@example.com")
    clock.advance(timedelta(hours=25))
    with services() as ctx:
        check_slas(ctx)
    queue_into(app, "webhook", "https://hooks.example.com/recovery")
    deliver_due(app, worker_id="t", transports={"email": ScriptedTransport(),
                                                "webhook": ScriptedTransport(DeliveryError("503", retryable=True))})
    after = scrape(client)
    still = [(name, labels) for name, labels in MOVED if value(after, name, **labels) <= value(before, name, **labels)]
    assert not still, f"did not move: {still}"


def test_queue_and_sla_gauges_are_computed_by_the_worker_and_read_by_the_scrape(app, client, services, clock):
    queue_into(app, "email", "someone@example.com")
    clock.advance(timedelta(minutes=3))
    with services() as ctx:
        open_ticket(ctx, category="other", user_id=None, subject="Help", message="Please help", source="api",
                    priority=1, requester_email="someone@example.com")
    clock.advance(timedelta(minutes=50))  # P1's first answer is due within the hour: at risk
    with services() as ctx:
        publish_queue_gauges(ctx)
        publish_sla_gauges(ctx)
    samples = scrape(client)
    assert value(samples, "recovery_outbox_queue_depth", kind="email", status="queued") >= 1
    assert value(samples, "recovery_outbox_oldest_age_seconds", kind="email") >= 53 * 60
    assert value(samples, "recovery_tickets_sla_at_risk", state="at_risk", priority="P1") >= 1
    assert ("recovery_tickets_sla_at_risk", (("priority", "P4"), ("state", "breached"))) in samples  # zero, present
    clock.advance(timedelta(seconds=90))
    assert value(scrape(client), "recovery_gauge_age_seconds", gauge="recovery_outbox_queue_depth") == 90


EXPECTED = {
    "recovery_user_events": ("event", "error"),
    "recovery_signins": ("result", "reason"),
    "recovery_second_factor_steps": ("result", "method"),
    "recovery_step_ups": ("result",),
    "recovery_account_locks": ("kind",),
    "recovery_password_resets": ("stage", "outcome"),
    "recovery_mfa_enrolments": ("method",),
    "recovery_containments": ("source",),
    "recovery_alerts_raised": ("rule", "severity"),
    "recovery_tickets_opened": ("category", "priority"),
    "recovery_ticket_sla_events": ("kind", "priority"),
    "recovery_outbox_deliveries": ("kind", "result"),
    "recovery_webhook_duration_seconds": ("result",),
    "recovery_http_request_duration_seconds": ("endpoint", "method"),
    "recovery_http_requests": ("endpoint", "method", "status"),
}


def test_metric_names_and_labels_are_the_documented_ones():
    defined = {m._name: tuple(m._labelnames) for m in vars(metrics).values()
               if hasattr(m, "_labelnames") and hasattr(m, "_name")}
    assert defined == EXPECTED
    assert {name: labels for name, (_help, labels) in metrics.GAUGES.items()} == {
        "recovery_outbox_queue_depth": ("kind", "status"), "recovery_outbox_oldest_age_seconds": ("kind",),
        "recovery_tickets_sla_at_risk": ("state", "priority")}


def test_label_values_are_clipped_to_a_safe_alphabet():
    assert metrics.label("bad password\n{x=\"1\"}") == "bad_password__x__1__"
    assert len(metrics.label("x" * 500)) == 48 and metrics.label(None) == ""


def test_an_unknown_http_method_is_counted_as_other_not_as_a_label_of_its_own(client):
    before = scrape(client)
    for method in ("AAAQ", "BBBQ", "Z" * 40):
        client.open("/nonexistent-x", method=method)
        client.open("/healthz", method=method)
    after = scrape(client)
    methods = {dict(labels).get("method") for (name, labels) in after if name.startswith("recovery_http_request")}
    assert methods <= {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "other"}
    moved = (value(after, "recovery_http_request_duration_seconds_count", endpoint="unmatched", method="other")
             - value(before, "recovery_http_request_duration_seconds_count", endpoint="unmatched", method="other"))
    assert moved == 6  # a method no route allows matches no endpoint (405 on /healthz too)


def test_an_event_rolled_back_is_not_counted(app, services):
    before = metrics.USER_EVENTS.labels("test.rolled_back", "")._value.get()
    with pytest.raises(RuntimeError), services() as ctx:
        record_event(ctx, "test.rolled_back", user_id=None)
        raise RuntimeError("the transaction ends in a rollback")
    with services() as ctx:
        pass
    assert metrics.USER_EVENTS.labels("test.rolled_back", "")._value.get() == before
    with services() as ctx:
        record_event(ctx, "test.rolled_back", user_id=None)
    assert metrics.USER_EVENTS.labels("test.rolled_back", "")._value.get() == before + 1


@pytest.mark.parametrize(("settings", "port", "authorization", "status"), [
    ({}, "80", "", 200),
    ({"env": "production"}, "443", "", 404),
    ({"env": "production", "metrics_token": "t" * 32}, "443", "Bearer " + "t" * 32, 200),
    ({"env": "production", "metrics_token": "t" * 32}, "443", "Bearer " + "u" * 32, 401),
    ({"env": "production", "metrics_port": 9100}, "9100", "", 200),
    ({"env": "production", "metrics_port": 9100}, "443", "", 404),
    ({"metrics_port": 9100}, "80", "", 404),
])
def test_who_may_read_the_metrics(tmp_path, settings, port, authorization, status):
    production = {"secret_key": "s" * 40, "encryption_keys": ("4OJiaRAVJOqJbyOj9V-Db1e-32b6aOvkZcrNrhv5f5w=",),
                  "base_url": "https://recovery.example.test"} if settings.get("env") == "production" else {}
    built = build_settings({"instance_dir": tmp_path, **production, **settings}, environ={})
    assert metrics_access(built, server_port=port, authorization=authorization) == status


def test_the_private_port_serves_metrics_and_health_only(make_app):
    client = make_app(metrics_port=9100).test_client()
    private = {"base_url": "http://localhost:9100"}  # SERVER_PORT: the port the request arrived on
    assert client.get("/metrics", **private).status_code == 200
    assert client.get("/healthz", **private).status_code == 200
    assert client.get("/signin", **private).status_code == 404
    assert client.get("/metrics").status_code == 404  # the public port (80 in the test client)
    assert client.get("/signin").status_code == 200



def test_the_sample_dashboard_reads_only_metrics_that_exist():

    dashboard = json.loads((Path(__file__).resolve().parents[2] / "docs" / "grafana-recovery.json").read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    used = {name for expr in exprs for name in re.findall(r"recovery_[a-z_]+", expr)}
    known = {*metrics.GAUGES, "recovery_gauge_age_seconds"}
    for name in EXPECTED:
        known |= {f"{name}_total", f"{name}_bucket", f"{name}_count", f"{name}_sum"}
    assert used and used <= known, used - known


class _Connection:
    def __init__(self, local):
        self.local = local

    def getsockname(self):
        return self.local


def test_under_gunicorn_the_port_is_the_connections_not_the_host_headers(make_app):
    """On a unix-socket bind gunicorn builds SERVER_PORT from the Host header: `Host: x:9100` must not open it."""
    client = make_app(metrics_port=9100).test_client()
    forged = {"base_url": "http://localhost:9100"}
    unix = {"gunicorn.socket": _Connection("/run/recovery.sock")}
    assert client.get("/metrics", environ_base=unix, **forged).status_code == 404
    assert client.get("/signin", environ_base=unix, **forged).status_code == 200  # the public site, as it is
    tcp_public = {"gunicorn.socket": _Connection(("203.0.113.10", 8000))}
    assert client.get("/metrics", environ_base=tcp_public, **forged).status_code == 404
    tcp_private = {"gunicorn.socket": _Connection(("10.0.0.5", 9100))}
    assert client.get("/metrics", environ_base=tcp_private).status_code == 200


def test_a_worker_serves_its_own_counters_when_asked():

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with _metrics_server(f"127.0.0.1:{port}"):
        body = urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()  # noqa: S310 - our own server
    assert b"recovery_outbox_deliveries_total" in body
