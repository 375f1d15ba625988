"""Prometheus metrics: the domain counters identity operators read (sign-ins, second factors, resets, locks,
alerts, tickets, SLA, delivery), request latency per endpoint, and gauges the worker computes on a schedule.

Most domain counters come from one hook: `count_event`, called by `record_event` for every security event, counts
it once its transaction commits (an event rolled back is not counted; the failure events an error keeps are
counted when they are committed again). Every event feeds `recovery_user_events_total{event, error}`, Keycloak's
model; the events below also feed a counter named for what operators ask about. Where no event exists (SLA
warnings and breaches, deliveries, webhook latency) the owner calls a counter here directly.

Under gunicorn the values live in PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode: one file per
process, summed at each scrape; recovery/gunicorn_conf.py wipes the directory at start and marks dead workers),
so any worker answering /metrics reports every process on the host. Label values come from code (event types,
reasons, rules), never from a person's input, and are clipped to a short safe alphabet.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import delete, event, inspect, select
from sqlalchemy.orm import Session

from recovery.db import on_committed_alone, written_together
from recovery.observability.models import MetricGauge

USER_EVENTS = Counter("recovery_user_events", "Security events recorded, by type and error (as Keycloak's "
                      "user_events_total)", ["event", "error"])
SIGNINS = Counter("recovery_signins", "Sign-ins: success (a session started), failure (wrong password or no such "
                  "account) and refused (a correct password refused), with the reason", ["result", "reason"])
SECOND_FACTOR = Counter("recovery_second_factor_steps", "Second-factor steps of sign-in: started, passed (with "
                        "the method), failed, dropped, throttled", ["result", "method"])
STEP_UPS = Counter("recovery_step_ups", "Emailed step-up codes asked of a risky sign-in: started, passed, failed",
                   ["result"])
LOCKS = Counter("recovery_account_locks", "Locks: temporary sign-in locks, passwords switched off, and account "
                "status changes to locked, suspended or banned", ["kind"])
RESETS = Counter("recovery_password_resets", "Password resets: requested (with what the worker found), link_sent, "
                 "completed, failed", ["stage", "outcome"])
MFA_ENROLMENTS = Counter("recovery_mfa_enrolments", "Second factors enrolled, by method", ["method"])
CONTAINMENT = Counter("recovery_containments", "Stolen accounts secured (locked, signed out, handed to the "
                      "security team), by what started it", ["source"])
ALERTS = Counter("recovery_alerts_raised", "Security alerts raised (a new alert; repeats grow it)",
                 ["rule", "severity"])
TICKETS = Counter("recovery_tickets_opened", "Support tickets opened", ["category", "priority"])
SLA = Counter("recovery_ticket_sla_events", "SLA warnings (a deadline near) and breaches (first_response, "
              "resolution), by the ticket's priority", ["kind", "priority"])
DELIVERIES = Counter("recovery_outbox_deliveries", "Outbox deliveries: sent, retry (a failed attempt to be "
                     "retried), failed (final)", ["kind", "result"])
WEBHOOK_SECONDS = Histogram("recovery_webhook_duration_seconds", "One webhook POST, connecting to the last byte",
                            ["result"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
REQUEST_SECONDS = Histogram("recovery_http_request_duration_seconds", "Requests by endpoint (the Flask endpoint "
                            "name, `unmatched` for 404s)", ["endpoint", "method"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
REQUESTS = Counter("recovery_http_requests", "Answers by endpoint, method and status", ["endpoint", "method",
                                                                                          "status"])

# Gauges computed by the worker's jobs (recovery/outbox/jobs.py, recovery/tickets/jobs.py) and kept in
# metric_gauges: name -> (help, label names).
GAUGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "recovery_outbox_queue_depth": ("Outbox messages not yet sent, by kind and status (queued, sending, failed)",
                                    ("kind", "status")),
    "recovery_outbox_oldest_age_seconds": ("Age of the oldest message still queued or sending, by kind",
                                           ("kind",)),
    "recovery_tickets_sla_at_risk": ("Open tickets with a running SLA clock whose deadline is within the warning "
                                     "window (at_risk) or past (breached), by priority", ("state", "priority")),
}

_SAFE = re.compile(r"[^A-Za-z0-9_.:\-]")
_PENDING = "recovery_metrics_pending"


def label(value: object) -> str:
    """A label value from code: at most 48 characters of a safe alphabet ('' for none)."""
    return "" if value is None else _SAFE.sub("_", str(value))[:48]


def _count_status(details: Mapping[str, object]) -> None:
    if details.get("status") in {"locked", "suspended", "banned"}:
        LOCKS.labels(f"status_{details['status']}").inc()


# Event type -> what it adds beyond recovery_user_events_total.
_EVENT_COUNTERS: dict[str, Callable[[Mapping[str, object]], None]] = {
    "session.started": lambda d: SIGNINS.labels("success", "").inc(),
    "account.signin.failed": lambda d: SIGNINS.labels("failure", label(d.get("reason"))).inc(),
    "account.signin.refused": lambda d: SIGNINS.labels("refused", label(d.get("reason"))).inc(),
    "mfa.challenge.started": lambda d: SECOND_FACTOR.labels("started", "").inc(),
    "mfa.challenge.passed": lambda d: SECOND_FACTOR.labels("passed", label(d.get("method"))).inc(),
    "mfa.challenge.failed": lambda d: SECOND_FACTOR.labels("failed", "").inc(),
    "mfa.challenge.dropped": lambda d: SECOND_FACTOR.labels("dropped", "").inc(),
    "mfa.code.throttled": lambda d: SECOND_FACTOR.labels("throttled", "").inc(),
    "detection.step_up.started": lambda d: STEP_UPS.labels("started").inc(),
    "detection.step_up.passed": lambda d: STEP_UPS.labels("passed").inc(),
    "detection.step_up.failed": lambda d: STEP_UPS.labels("failed").inc(),
    "detection.lock.engaged": lambda d: LOCKS.labels("temporary").inc(),
    "detection.password.disabled": lambda d: LOCKS.labels("password_disabled").inc(),
    "account.status.changed": _count_status,
    "account.password.reset_requested": lambda d: RESETS.labels("requested", label(d.get("outcome"))).inc(),
    "account.password.reset_link_sent": lambda d: RESETS.labels("link_sent", "").inc(),
    "account.password.reset": lambda d: RESETS.labels("completed", "").inc(),
    "account.password.reset_failed": lambda d: RESETS.labels("failed", label(d.get("reason"))).inc(),
    "mfa.totp.enabled": lambda d: MFA_ENROLMENTS.labels("totp").inc(),
    "mfa.recovery_codes.generated": lambda d: MFA_ENROLMENTS.labels("recovery_codes").inc(),
    "account.secured": lambda d: CONTAINMENT.labels(label(d.get("source"))).inc(),
    "alert.raised": lambda d: ALERTS.labels(label(d.get("rule")), label(d.get("severity"))).inc(),
    "ticket.opened": lambda d: TICKETS.labels(label(d.get("category")), label(d.get("priority"))).inc(),
}
_ERROR_SUFFIXES = ("failed", "refused", "block", "throttled", "dropped")


def count_event(session: Session, row: object, type: str, details: Mapping[str, object]) -> None:
    """Count security event `row` (of `type`, with `details`) when `session` commits it."""
    details = dict(details)

    def count() -> None:
        error = label(details.get("reason")) if type.endswith(_ERROR_SUFFIXES) else ""
        USER_EVENTS.labels(label(type), error).inc()
        specific = _EVENT_COUNTERS.get(type)
        if specific is not None:
            specific(details)

    on_commit(session, row, count)


def on_commit(session: Session, row: object, callback: Callable[[], None]) -> None:
    """Run `callback` once `row` is committed by `session`; a row rolled back and never added again is dropped."""
    session.info.setdefault(_PENDING, []).append((row, callback))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    together = written_together(session)  # written by one statement with others: committed, never persistent
    for row, callback in pending:
        # committed; a row rolled back (and not added again) is transient
        if inspect(row).persistent or any(row is written for written in together):
            callback()


@on_committed_alone
def _committed_alone(session: Session, entities: list[object]) -> None:
    """Rows db.write_together committed alone (in autocommit, without the session's transaction: a sign-in's
    attempt, decision, session and their events) are counted as their statement succeeds."""
    pending = session.info.get(_PENDING)
    if not pending:
        return
    kept = []
    for row, callback in pending:
        if any(row is written for written in entities):
            callback()
        else:
            kept.append((row, callback))
    session.info[_PENDING] = kept


# The methods a request is labelled with; any other (a client may send any token) is "other", so a caller
# cannot grow the series without bound.
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def method_label(method: str) -> str:
    return method if method in HTTP_METHODS else "other"


def observe_request(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    name = label(endpoint or "unmatched")
    shown = method_label(method)
    REQUEST_SECONDS.labels(name, shown).observe(seconds)
    REQUESTS.labels(name, shown, str(status)).inc()


def count_sla(kind: str, priority: object) -> None:
    SLA.labels(label(kind), label(priority)).inc()


def count_delivery(kind: str, result: str) -> None:
    DELIVERIES.labels(label(kind), result).inc()


def observe_webhook(seconds: float, result: str) -> None:
    WEBHOOK_SECONDS.labels(result).observe(seconds)


# -- gauges the worker computes on a schedule ------------------------------------------------------------------


def publish_gauge(session: Session, name: str, values: Mapping[tuple[str, ...], float], now: datetime) -> None:
    """Replace every value of gauge `name` with `values` (label values in GAUGES' order -> value)."""
    _help, names = GAUGES[name]
    session.execute(delete(MetricGauge).where(MetricGauge.name == name).execution_options(synchronize_session=False))
    for labels, value in values.items():
        if len(labels) != len(names):
            raise ValueError(f"{name} has labels {names}, not {labels}")
        session.add(MetricGauge(name=name, labels=json.dumps([label(v) for v in labels]), value=float(value),
                                computed_at=now))
    session.flush()


def gauge_families(session: Session, now: datetime) -> Iterable[GaugeMetricFamily]:
    """The stored gauges as Prometheus families, and how old each is (a stalled worker shows as a growing age)."""
    rows = session.execute(select(MetricGauge)).scalars().all()
    families = {name: GaugeMetricFamily(name, help_text, labels=list(names))
                for name, (help_text, names) in GAUGES.items()}
    ages = GaugeMetricFamily("recovery_gauge_age_seconds", "Seconds since the worker last computed each gauge",
                             labels=["gauge"])
    newest: dict[str, datetime] = {}
    for row in rows:
        if row.name in families:
            families[row.name].add_metric(json.loads(row.labels), row.value)
            newest[row.name] = max(newest.get(row.name, row.computed_at), row.computed_at)
    for name, at in newest.items():
        ages.add_metric([name], max((now - at).total_seconds(), 0.0))
    return [*families.values(), ages]


# -- exposition ------------------------------------------------------------------------------------------------


def process_registry() -> CollectorRegistry:
    """Every process's counters on this host under gunicorn (multiprocess mode), else this process's own."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


class _Families:
    def __init__(self, families: Iterable[GaugeMetricFamily]) -> None:
        self.families = list(families)

    def collect(self):
        return self.families


def exposition(session: Session | None, now: datetime) -> bytes:
    """The text /metrics answers: the processes' counters and histograms, then the stored gauges (none without a
    session: the database is out of reach)."""
    stored = CollectorRegistry(auto_describe=False)
    if session is not None:
        stored.register(_Families(gauge_families(session, now)))
    return generate_latest(process_registry()) + generate_latest(stored)
