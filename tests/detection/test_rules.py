"""Each rule on its own, table-driven: a fixed time, fixed places, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from recovery.detection import rules, scoring
from recovery.detection.policy import detection_policy, parse_deny_list
from recovery.settings import Settings

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = detection_policy(Settings(detection_deny_list="192.0.2.0/24, country:KP, asn:Bad Hosting"))
BERLIN = dict(country="DE", asn="Telekom", network="198.51.100.0/24", latitude=52.52, longitude=13.40)
SYDNEY = dict(country="AU", asn="Telstra", network="203.0.113.0/24", latitude=-33.87, longitude=151.21)


def seen(minutes_ago: float = 0, device: str | None = "laptop", **place) -> rules.Seen:
    return rules.Seen(at=NOW - timedelta(minutes=minutes_ago), ip="198.51.100.7", device_key=device,
                      **(place or BERLIN))


def history(*successes: rules.Seen, known=("laptop",), failures=0, changed=None) -> rules.History:
    return rules.History(successes=successes, known_devices=frozenset(known), recent_failures=failures,
                         credential_changed_at=changed)


HOME = seen(60 * 24)


@pytest.mark.parametrize("rule, attempt, past, fires", [
    (rules.new_device, seen(device="phone"), history(HOME), True),
    (rules.new_device, seen(device="laptop"), history(HOME), False),
    (rules.new_device, seen(device="phone"), history(), False),  # a first sign-in has nothing to compare
    (rules.new_country, seen(**SYDNEY), history(HOME), True),
    (rules.new_country, seen(), history(HOME), False),
    (rules.new_country, seen(**SYDNEY), history(), False),
    (rules.new_network, seen(**{**BERLIN, "network": "10.9.9.0/24", "asn": "Other"}), history(HOME), True),
    (rules.new_network, seen(**{**BERLIN, "network": "10.9.9.0/24"}), history(HOME), False),  # same ASN
    (rules.impossible_travel, seen(**SYDNEY), history(seen(120)), True),  # 16,000 km in 2 hours
    (rules.impossible_travel, seen(**SYDNEY), history(seen(60 * 24)), False),  # a day: a long flight
    (rules.impossible_travel, seen(), history(seen(1)), False),  # same city
    (rules.impossible_travel, seen(**{**SYDNEY, "latitude": None}), history(seen(1)), False),  # no coordinates
    (rules.after_credential_change, seen(device="phone"), history(HOME, changed=NOW - timedelta(hours=2)), True),
    (rules.after_credential_change, seen(device="laptop"), history(HOME, changed=NOW - timedelta(hours=2)), False),
    (rules.after_credential_change, seen(device="phone"), history(HOME, changed=NOW - timedelta(hours=30)), False),
    (rules.success_after_failures, seen(), history(HOME, failures=5), True),
    (rules.success_after_failures, seen(), history(HOME, failures=4), False),
    (rules.deny_listed, rules.Seen(at=NOW, ip="192.0.2.10"), history(), True),
    (rules.deny_listed, rules.Seen(at=NOW, ip="198.51.100.7", country="KP"), history(), True),
    (rules.deny_listed, rules.Seen(at=NOW, ip="198.51.100.7", asn="BAD HOSTING"), history(), True),
    (rules.deny_listed, rules.Seen(at=NOW, ip="198.51.100.7", country="DE"), history(), False),
])
def test_rule_fires_only_on_its_signal(rule, attempt, past, fires):
    assert (rule(attempt, past, POLICY) is not None) is fires


def test_impossible_travel_reports_distance_and_speed():
    finding = rules.impossible_travel(seen(**SYDNEY), history(seen(120)), POLICY)
    assert 15_000 < finding.detail["km"] < 17_000 and finding.detail["kmh"] > 7000


@pytest.mark.parametrize("counts, fires", [
    (rules.SourceCounts(ip_failures=100), True),
    (rules.SourceCounts(ip_failures=99), False),
    (rules.SourceCounts(ip_accounts=20), True),
    (rules.SourceCounts(ip_accounts=19, network_accounts=49), False),
    (rules.SourceCounts(network_accounts=50), True),
])
def test_credential_stuffing_trips_on_failures_or_distinct_accounts(counts, fires):
    assert (rules.credential_stuffing(counts, POLICY) is not None) is fires


@pytest.mark.parametrize("attempt, past, action", [
    (seen(), history(HOME), scoring.ALLOW),
    (seen(device="phone"), history(HOME), scoring.NOTIFY),  # new device: 30
    (seen(device="phone", **SYDNEY), history(HOME), scoring.STEP_UP),  # + new country + new network: 70
    (seen(device="phone", **SYDNEY), history(seen(60)), scoring.BLOCK),  # + impossible travel
    (rules.Seen(at=NOW, ip="192.0.2.10"), history(), scoring.BLOCK),  # deny-listed
])
def test_score_picks_the_action(attempt, past, action):
    assert scoring.assess(attempt, past, POLICY).action == action


def test_weights_come_from_settings():
    policy = detection_policy(Settings(extra={"detection_weight_new_device": 65}))
    assert scoring.assess(seen(device="phone"), history(HOME), policy).action == scoring.STEP_UP


def test_deny_list_rejects_a_malformed_entry():
    with pytest.raises(ValueError):
        parse_deny_list("not-a-network")


# --- the temporary lock ----------------------------------------------------------------------------------

def fail(times: int, state: rules.LockState | None = None, start=NOW, every=timedelta(seconds=1)):
    state = state or rules.LockState()
    happened = []
    at = start
    for _ in range(times):
        state, event = rules.after_failure(state, at, POLICY)
        happened.append(event)
        at += every
    return state, happened


def test_every_fifth_consecutive_failure_locks_for_a_doubling_time_up_to_fifteen_minutes():
    state = rules.LockState()
    durations = []
    at = NOW
    for _ in range(7):
        for _ in range(5):
            state, event = rules.after_failure(state, at, POLICY)
        assert event == "locked"
        durations.append((state.locked_until - at).total_seconds() / 60)
        at = state.locked_until  # the next failures come once the lock ended
    assert durations == [1, 2, 4, 8, 15, 15, 15]


def test_lock_ends_on_time():
    state, happened = fail(5)
    assert happened[-1] == "locked"
    assert rules.is_locked(state, NOW + timedelta(seconds=50))
    assert not rules.is_locked(state, NOW + timedelta(seconds=65))


def test_twelve_quiet_hours_forget_failures_and_doubling():
    state, _ = fail(10, every=timedelta(minutes=3))
    assert state.locks == 2
    later = state.last_failure_at + timedelta(hours=12)
    state, event = rules.after_failure(state, later, POLICY)
    assert (state.failures, state.locks, event) == (1, 0, None)


def test_hundredth_consecutive_failure_disables_the_password_until_a_reset():
    state = rules.LockState(failures=99, locks=19, last_failure_at=NOW)
    state, event = rules.after_failure(state, NOW + timedelta(hours=1), POLICY)
    assert event == "disabled" and state.password_disabled_at is not None
    assert rules.is_locked(state, NOW + timedelta(days=30))  # no quiet time ends it
    assert rules.forget_if_quiet(state, NOW + timedelta(days=30), POLICY) == state
