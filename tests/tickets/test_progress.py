"""What a requester is told, as pure rules: the tracker's stage and steps, the next step, the SLA promise."""

from datetime import UTC, datetime, timedelta

import pytest

from recovery.tickets import progress
from recovery.tickets.sla import Targets


@pytest.mark.parametrize(("status", "on_hold", "stage"), [
    ("new", False, "received"),
    ("new", True, "in_review"),      # a held request is being checked before anyone answers
    ("open", False, "in_review"),
    ("waiting_on_user", False, "waiting_on_you"),
    ("resolved", False, "decided"),
    ("closed", True, "decided"),
])
def test_stage_of_each_status(status, on_hold, stage):
    assert progress.stage(status, on_hold=on_hold) == stage


def test_steps_before_the_current_one_are_done_and_a_decided_request_has_every_step_done():
    assert progress.steps("in_review") == [("received", "done"), ("in_review", "current"),
                                           ("waiting_on_you", "todo"), ("decided", "todo")]
    assert {state for _, state in progress.steps("decided")} == {"done"}


@pytest.mark.parametrize(("status", "category", "outcome", "on_hold", "key"), [
    ("new", "unblock_appeal", None, False, "review"),
    ("new", "stolen_account", None, False, "security_review"),  # never "you can appeal" to a P1 case
    ("new", "account_recovery", None, True, "hold"),
    ("waiting_on_user", "stolen_account", None, False, "reply"),
    ("resolved", "unblock_appeal", "granted", False, "decided"),
    ("closed", "account_recovery", "withdrawn", False, "withdrawn"),
])
def test_next_step(status, category, outcome, on_hold, key):
    assert progress.next_step(status, category, outcome, on_hold=on_hold) == key


@pytest.mark.parametrize(("priority", "first_response", "urgent", "hours", "days"), [
    (1, timedelta(hours=1), True, 1, None),
    (2, timedelta(hours=4), False, 4, None),
    (3, timedelta(hours=24), False, 24, None),   # a day reads as 24 hours
    (4, timedelta(hours=72), False, 72, 3),      # three days read as days
    (2, timedelta(minutes=30), False, 1, None),  # never "within 0 hours"
])
def test_promise_in_plain_words(priority, first_response, urgent, hours, days):
    promise = progress.promise(priority, Targets(first_response, timedelta(days=10)))
    assert (promise.urgent, promise.hours, promise.days) == (urgent, hours, days)


def test_the_first_answer_is_promised_only_until_someone_answers():
    assert progress.still_promised("new", None)
    assert not progress.still_promised("open", datetime(2026, 3, 2, tzinfo=UTC))
    assert not progress.still_promised("waiting_on_user", None)
