"""The SLA policy as pure functions: parsing, deadlines, pauses, warnings, breaches (table-driven)."""

from datetime import UTC, datetime, timedelta

import pytest

from recovery.settings import Settings
from recovery.tickets import sla

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = sla.parse_policy(Settings().ticket_sla_policy)
H = timedelta(hours=1)
WARN = timedelta(minutes=15)


@pytest.mark.parametrize("priority, first, resolution", [
    (1, timedelta(hours=1), timedelta(hours=24)),
    (2, timedelta(hours=4), timedelta(days=3)),
    (3, timedelta(hours=24), timedelta(days=5)),
    (4, timedelta(hours=72), timedelta(days=10)),
])
def test_default_policy_matches_the_issue(priority, first, resolution):
    assert POLICY[priority] == sla.Targets(first, resolution)


@pytest.mark.parametrize("text, problem", [
    ("P1=1h/24h,P2=4h/3d,P3=1d/5d", "each of P1"),
    ("P1=1h/24h,P2=4h/3d,P3=1d/5d,P4=3x/10d", "not a duration"),
    ("P1=2d/1h,P2=4h/3d,P3=1d/5d,P4=3d/10d", "first response later"),
    ("P1:1h/24h", "not an SLA entry"),
    ("P1=0h/24h,P2=4h/3d,P3=1d/5d,P4=3d/10d", "not a duration"),
])
def test_parse_policy_with_a_mistake_names_it(text, problem):
    with pytest.raises(ValueError, match=problem):
        sla.parse_policy(text)


def test_start_sets_both_deadlines_from_opening():
    clock = sla.start(POLICY[2], T0)
    assert (clock.first_response_due, clock.resolution_due) == (T0 + 4 * H, T0 + 72 * H)
    assert sla.next_deadline(clock) == T0 + 4 * H


@pytest.mark.parametrize("paused_for, expected_first", [
    (timedelta(0), T0 + 1 * H),
    (timedelta(minutes=30), T0 + 90 * timedelta(minutes=1)),
    (timedelta(hours=72), T0 + 73 * H),
])
def test_pause_then_resume_moves_deadlines_by_the_pause(paused_for, expected_first):
    clock = sla.start(POLICY[1], T0)
    paused = sla.pause(clock, T0)
    assert sla.next_deadline(paused) is None
    resumed = sla.resume(paused, T0 + paused_for)
    assert resumed.first_response_due == expected_first
    assert resumed.resolution_due == T0 + 24 * H + paused_for


def test_pause_twice_keeps_the_first_pause_start():
    clock = sla.pause(sla.pause(sla.start(POLICY[1], T0), T0), T0 + H)
    assert clock.paused_at == T0


def test_a_hold_moves_the_resolution_target_not_the_first_response():
    clock = sla.start(POLICY[1], T0, decide_from=T0 + 72 * H)
    assert clock.paused_at is None and sla.next_deadline(clock) == T0 + H  # answered within the hour all the same
    assert clock.resolution_due == T0 + 72 * H + 24 * H  # decided after the hold, within the target from its end


def test_after_a_response_the_resolution_deadline_is_next():
    clock = sla.respond(sla.start(POLICY[1], T0))
    assert sla.next_deadline(clock) == T0 + 24 * H


@pytest.mark.parametrize("now, warned_for, first_breached, expected", [
    (T0 + timedelta(minutes=30), None, False, sla.Verdict()),
    (T0 + timedelta(minutes=45), None, False, sla.Verdict(warn_for=T0 + H)),
    (T0 + timedelta(minutes=50), T0 + H, False, sla.Verdict()),
    (T0 + H, T0 + H, False, sla.Verdict(breached=("first_response",))),
    (T0 + 2 * H, T0 + H, True, sla.Verdict()),
    (T0 + 24 * H, T0 + H, True, sla.Verdict(breached=("resolution",))),
    (T0 + 25 * H, None, False, sla.Verdict(breached=("first_response", "resolution"))),
])
def test_evaluate_warns_once_and_flags_each_breach_once(now, warned_for, first_breached, expected):
    verdict = sla.evaluate(sla.start(POLICY[1], T0), now, warn_before=WARN, warned_for=warned_for,
                           first_response_breached=first_breached, resolution_breached=False)
    assert verdict == expected


def test_evaluate_while_paused_does_nothing():
    clock = sla.pause(sla.start(POLICY[1], T0), T0)
    assert sla.evaluate(clock, T0 + 30 * H, warn_before=WARN, warned_for=None, first_response_breached=False,
                        resolution_breached=False) == sla.Verdict()


@pytest.mark.parametrize("priority, expected", [(4, 3), (3, 2), (2, 1), (1, 1)])
def test_escalated_is_one_step_more_urgent_and_stops_at_p1(priority, expected):
    assert sla.escalated(priority) == expected


@pytest.mark.parametrize("now, breached, expected", [
    (T0, False, "ok"),
    (T0 + timedelta(minutes=50), False, "due_soon"),
    (T0 + 2 * H, False, "breached"),
    (T0, True, "breached"),
])
def test_state_for_the_console_badge(now, breached, expected):
    assert sla.state(sla.start(POLICY[1], T0), now, warn_before=WARN, breached=breached) == expected


def test_remaining_is_frozen_while_paused():
    clock = sla.pause(sla.start(POLICY[1], T0), T0 + timedelta(minutes=20))
    assert sla.remaining(clock, T0 + 10 * H) == timedelta(minutes=40)
    assert sla.state(clock, T0 + 10 * H, warn_before=WARN, breached=False) == "paused"
