"""What a requester is told about a ticket, as pure rules: where it stands on the four-step tracker
(received → in review → waiting on you → decided), the next step in their words, and the SLA promise.

Nothing internal crosses this line: a stage, a next step and a promise are chosen from the ticket's status,
hold and priority, never from its queue, notes, signals or source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from recovery.tickets.sla import Targets

STAGES = ("received", "in_review", "waiting_on_you", "decided")
# Cases we treat as urgent in what we promise: priority 1 (a stolen account is always P1).
URGENT_PRIORITY = 1


def stage(status: str, *, on_hold: bool) -> str:
    """The tracker's current step. A held request is being checked (in review) even before anyone answers it."""
    if status in ("resolved", "closed"):
        return "decided"
    if status == "waiting_on_user":
        return "waiting_on_you"
    if status == "open" or on_hold:
        return "in_review"
    return "received"


def steps(current: str) -> list[tuple[str, str]]:
    """Each step with its state for the tracker: "done", "current" or "todo". Waiting on the requester is a
    step only some requests pass through: a request in review shows it ahead, a decided one shows it done."""
    index = STAGES.index(current)
    return [(name, "done" if i < index or current == "decided" else "current" if i == index else "todo")
            for i, name in enumerate(STAGES)]


def next_step(status: str, category: str, outcome: str | None, *, on_hold: bool) -> str:
    """What happens next, as a key the pages turn into a sentence (templates/tickets/_parts.html)."""
    current = stage(status, on_hold=on_hold)
    if current == "decided":
        return "withdrawn" if outcome == "withdrawn" else "decided"
    if current == "waiting_on_you":
        return "reply"
    if on_hold:
        return "hold"
    return "security_review" if category == "stolen_account" else "review"


@dataclass(frozen=True)
class Promise:
    """The SLA promise in plain words: how soon a person answers, by the ticket's priority."""

    urgent: bool
    hours: int

    @property
    def days(self) -> int | None:
        """Whole days when the promise is two days or more (72 hours reads better as 3 days)."""
        return self.hours // 24 if self.hours >= 48 and self.hours % 24 == 0 else None


def promise(priority: int, targets: Targets) -> Promise:
    hours = max(1, int(targets.first_response / timedelta(hours=1)))
    return Promise(urgent=priority == URGENT_PRIORITY, hours=hours)


def still_promised(status: str, first_response_at: datetime | None) -> bool:
    """The first-answer promise matters until someone has answered, and only while the request is open."""
    return first_response_at is None and status in ("new", "open")
