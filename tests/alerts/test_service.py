"""Alerts: one alert per (rule, account, source) within the window that grows; the team's workflow."""

from __future__ import annotations

import pytest

from recovery.alerts import service
from recovery.alerts.models import Alert
from recovery.errors import Conflict, ValidationFailed
from recovery.events.models import SecurityEvent


def raise_alert(services, **kwargs) -> int:
    with services() as ctx:
        return service.raise_alert(ctx, **{"rule": "credential_stuffing", "severity": "high",
                                           "source": "203.0.113.9", **kwargs}).id


def test_a_thousand_occurrences_make_one_alert_that_counts(people, services, clock):
    ids = set()
    for n in range(1000):
        ids.add(raise_alert(services, evidence={"n": n}))
        clock.advance(seconds=1)
    [alert] = people.rows(Alert)
    assert ids == {alert.id} and alert.count == 1000
    assert (alert.last_seen_at - alert.first_seen_at).total_seconds() == 999
    assert len(alert.evidence["samples"]) == 10 and alert.evidence["samples"][-1]["n"] == 999
    assert len(people.rows(SecurityEvent, SecurityEvent.type == "alert.raised")) == 1


def test_dedup_key_is_rule_account_and_source(people, services):
    user_id = people.add("ada@example.com")
    raise_alert(services)
    raise_alert(services, source="198.51.100.7")
    raise_alert(services, rule="brute_force")
    raise_alert(services, user_id=user_id)
    raise_alert(services, user_id=user_id)
    assert sorted(a.count for a in people.rows(Alert)) == [1, 1, 1, 2]


def test_quiet_window_or_resolving_starts_a_new_alert(people, services, clock):
    staff = people.add("sec@example.com", role="security")
    first = raise_alert(services)
    clock.advance(minutes=59)
    assert raise_alert(services) == first  # still within an hour of the last sighting
    clock.advance(minutes=61)
    second = raise_alert(services)
    assert second != first
    with services() as ctx:
        service.resolve(ctx, second, ctx.session.merge(people.user(staff)), note="blocked at the firewall")
    assert raise_alert(services) not in (first, second)


def test_severity_only_rises(people, services):
    alert_id = raise_alert(services, severity="low")
    raise_alert(services, severity="critical")
    raise_alert(services, severity="medium")
    [alert] = people.rows(Alert, Alert.id == alert_id)
    assert alert.severity == "critical"


def test_acknowledge_then_resolve_with_assignee_and_note(people, services):
    staff = people.add("sec@example.com", role="security")
    other = people.add("sec2@example.com", role="security")
    agent = people.add("agent@example.com", role="agent")
    alert_id = raise_alert(services)
    with services() as ctx:
        with pytest.raises(ValidationFailed):
            service.acknowledge(ctx, alert_id, ctx.session.merge(people.user(staff)), assignee_id=agent)
    with services() as ctx:
        alert = service.acknowledge(ctx, alert_id, ctx.session.merge(people.user(staff)), note="looking",
                                    assignee_id=other)
        assert (alert.status, alert.assignee_id, alert.note) == ("acknowledged", other, "looking")
    with services() as ctx:
        alert = service.resolve(ctx, alert_id, ctx.session.merge(people.user(staff)), note="done")
        assert alert.status == "resolved" and alert.resolved_at is not None
    with services() as ctx, pytest.raises(Conflict):
        service.acknowledge(ctx, alert_id, ctx.session.merge(people.user(staff)))


def test_list_filters_and_pages_newest_first(people, services):
    user_id = people.add("ada@example.com")
    for n in range(5):
        raise_alert(services, source=f"203.0.113.{n}", severity="low" if n % 2 else "high")
    raise_alert(services, rule="brute_force", user_id=user_id, source=None, severity="medium")
    with services() as ctx:
        first = service.list_alerts(ctx, service.AlertFilters(), limit=4)
        second = service.list_alerts(ctx, service.AlertFilters(), cursor=first.next_cursor, limit=4)
        ids = [a.id for a in first.alerts + second.alerts]
        assert ids == sorted(ids, reverse=True) and len(ids) == 6 and second.next_cursor is None
        high = service.list_alerts(ctx, service.AlertFilters(min_severity="high"))
        assert {a.severity for a in high.alerts} == {"high"} and len(high.alerts) == 3
        mine = service.list_alerts(ctx, service.AlertFilters(user="ada@example.com"))
        assert [a.rule for a in mine.alerts] == ["brute_force"]
        assert service.list_alerts(ctx, service.AlertFilters(user="nobody@example.com")).alerts == []
        assert len(service.list_alerts(ctx, service.AlertFilters(source="203.0.113.1")).alerts) == 1
