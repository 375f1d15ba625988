"""The team lead's metrics: exact figures from seeded tickets under a frozen clock (nearest-rank medians and 90th
percentiles by priority and queue, SLA attainment by priority, open tickets per day, CSAT), the same figures as
JSON, the page's charts (SVG with a title and description, the numbers in tables too) in both languages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import schemathesis

from recovery.tickets.metrics import team_report
from recovery.tickets.models import Ticket

H, M, D = 3600, 60, 86400


def _ticket(ctx, n: int, *, priority: int, queue: str, created_ago: float, first: float | None = None,
            resolved: float | None = None, fr_target: float = H, res_target: float = D, score: int | None = None,
            outcome: str | None = None, breached_first: bool = False) -> None:
    """A ticket created `created_ago` seconds before now, answered `first` and resolved `resolved` seconds after
    its creation, with its SLA targets (seconds after creation) and survey answer."""
    created = ctx.clock.now() - timedelta(seconds=created_ago)

    def at(seconds: float | None):
        return None if seconds is None else created + timedelta(seconds=seconds)

    ctx.session.add(Ticket(
        category="other", priority=priority, queue=queue, subject=f"t{n}", source="appeal", access_nonce=f"n{n}",
        status="resolved" if resolved is not None else "open", created_at=created, updated_at=created,
        first_response_at=at(first), resolved_at=at(resolved), first_response_due_at=at(fr_target),
        resolution_due_at=at(res_target), due_at=at(fr_target), first_response_breached=breached_first,
        outcome=outcome or ("granted" if resolved is not None else None), satisfaction=score,
        satisfaction_at=at(resolved + H) if score is not None and resolved is not None else None))


@pytest.fixture
def seeded(services) -> None:
    with services() as ctx:
        _ticket(ctx, 1, priority=1, queue="security", created_ago=10 * D, first=30 * M, resolved=4 * H, score=5)
        _ticket(ctx, 2, priority=1, queue="security", created_ago=9 * D, first=2 * H, resolved=10 * H, score=4,
                outcome="denied", breached_first=True)
        _ticket(ctx, 3, priority=1, queue="security", created_ago=8 * D, first=45 * M, resolved=30 * H, score=2,
                outcome="denied")
        _ticket(ctx, 4, priority=2, queue="support-l1", created_ago=5 * D, first=3 * H, resolved=20 * H,
                fr_target=4 * H, res_target=2 * D, score=3)
        _ticket(ctx, 5, priority=2, queue="support-l1", created_ago=5 * D, first=1 * H, resolved=30 * H,
                fr_target=4 * H, res_target=2 * D)
        _ticket(ctx, 6, priority=3, queue="support-l1", created_ago=2 * D)  # open, not answered yet
        _ticket(ctx, 7, priority=3, queue="support-l2", created_ago=40 * D, first=H, resolved=5 * D, score=1)
        _ticket(ctx, 8, priority=2, queue="support-l1", created_ago=3 * D, first=H, resolved=D, score=1,
                outcome="withdrawn")


def _by(rows: list[dict], key: str, value) -> dict:
    return next(row for row in rows if row[key] == value)


def test_times_by_priority_and_queue(services, seeded):
    with services() as ctx:
        report = team_report(ctx, days=30)
    first, resolution = report["first_response"], report["resolution"]
    assert first["overall"] == {"count": 5, "median_seconds": 3600, "p90_seconds": 10800}
    assert _by(first["by_priority"], "priority", 1) == {"priority": 1, "count": 3, "median_seconds": 2700,
                                                         "p90_seconds": 7200}
    assert _by(first["by_priority"], "priority", 2) == {"priority": 2, "count": 2, "median_seconds": 3600,
                                                         "p90_seconds": 10800}
    assert _by(first["by_priority"], "priority", 4) == {"priority": 4, "count": 0, "median_seconds": None,
                                                         "p90_seconds": None}
    assert _by(first["by_queue"], "queue", "security")["median_seconds"] == 2700
    assert resolution["overall"] == {"count": 5, "median_seconds": 72000, "p90_seconds": 108000}
    assert _by(resolution["by_priority"], "priority", 1)["median_seconds"] == 36000
    assert _by(resolution["by_queue"], "queue", "support-l1") == {"queue": "support-l1", "count": 2,
                                                                  "median_seconds": 72000, "p90_seconds": 108000}


def test_sla_attainment_by_priority(services, seeded):
    with services() as ctx:
        sla = team_report(ctx, days=30)["sla"]
    p1 = _by(sla["by_priority"], "priority", 1)
    assert (p1["resolved"], p1["first_response_met"], p1["resolution_met"], p1["met"]) == (3, 2, 2, 1)
    assert p1["attainment"] == pytest.approx(1 / 3)
    assert _by(sla["by_priority"], "priority", 2)["attainment"] == 1.0
    assert _by(sla["by_priority"], "priority", 3)["attainment"] is None
    assert (sla["overall"]["resolved"], sla["overall"]["met"], sla["overall"]["attainment"]) == (5, 3, 0.6)


def test_backlog_counts_open_tickets_at_the_end_of_each_day(services, seeded):
    with services() as ctx:
        backlog = team_report(ctx, days=7)["backlog"]
    assert [point["date"] for point in backlog] == [f"2026-02-{d}" for d in range(24, 29)] + ["2026-03-01",
                                                                                              "2026-03-02"]
    assert [point["open"] for point in backlog] == [0, 2, 0, 0, 1, 1, 1]


def test_csat_counts_answers_of_four_and_five_per_outcome(services, seeded):
    with services() as ctx:
        csat = team_report(ctx, days=30)["csat"]
    assert (csat["answers"], csat["satisfied"], csat["csat"], csat["average"]) == (4, 2, 0.5, 3.5)
    assert csat["distribution"] == {"1": 0, "2": 1, "3": 1, "4": 1, "5": 1}
    assert csat["by_outcome"]["granted"]["average"] == 4 and csat["by_outcome"]["denied"]["csat"] == 0.5
    assert csat["by_outcome"]["ineligible"]["answers"] == 0


def test_the_clock_moves_the_window(services, seeded, clock):
    clock.advance(timedelta(days=60))
    with services() as ctx:
        report = team_report(ctx, days=30)
    assert report["resolution"]["overall"]["count"] == 0 and report["csat"]["answers"] == 0
    assert report["backlog"][-1]["open"] == 1  # ticket 6 is still open


def test_the_json_is_the_reports(client, people, services, seeded):
    headers = people.headers(people.staff("lead@example.com"))
    body = client.get("/api/v1/tickets/metrics/report?days=30", headers=headers).get_json()
    with services() as ctx:
        assert body == team_report(ctx, days=30)
    assert client.get("/api/v1/tickets/metrics/report?days=7", headers=headers).get_json()["days"] == 7
    assert client.get("/api/v1/tickets/metrics/report?days=14", headers=headers).status_code == 400
    assert client.get("/api/v1/tickets/metrics/report", headers=people.headers(people.add("u@example.com")))\
        .status_code == 403


def test_the_json_matches_the_openapi_document(app, client, people, services, seeded):
    headers = people.headers(people.staff("lead@example.com"))
    response = client.get("/api/v1/tickets/metrics/report?days=90", headers=headers)
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/tickets/metrics/report"]["get"]
    assert "200" in operation["responses"] and "403" in operation["responses"]
    schemathesis.openapi.from_dict(document)["/api/v1/tickets/metrics/report"]["GET"].validate_response(response)


def test_the_page_draws_accessible_charts_with_the_figures_in_tables(client, people, seeded):
    people.sign_in(people.staff("lead@example.com"))
    html = client.get("/staff/tickets/metrics?days=30").get_data(as_text=True)
    charts = re.findall(r'<svg viewBox="[^"]+" role="img" aria-labelledby="([\w-]+)-title \1-desc"', html)
    assert charts == ["first_response-priority", "first_response-queue", "resolution-priority",
                      "resolution-queue", "sla", "backlog", "csat"]
    assert "style=" not in html and "<script>" not in html
    assert '<th scope="row">P1</th><td>3</td><td>0h 45m</td><td>2h 00m</td>' in html
    assert "<td>33.3%</td>" in html and "CSAT 50.0%: 2 of 4 answers were 4 or 5 (average 3.5)." in html
    assert '<a href="/staff/tickets/metrics?days=30" aria-current="page">Last 30 days</a>' in html
    assert "a denied appeal is not a bad agent" in html
    assert client.get("/staff/tickets/metrics?days=14").status_code == 400
    client.get("/language/zh_Hans?next=/")
    zh = client.get("/staff/tickets/metrics?days=7").get_data(as_text=True)
    assert "最近 7 天" in zh and "每天的未结工单" in zh
