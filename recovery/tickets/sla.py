"""SLA policy as pure functions: per-priority targets, deadlines that pause and resume, warnings and breaches.

A ticket's clock starts when it opens. It pauses while the ticket waits on the requester and once resolved;
resuming moves both deadlines later by the time spent paused, so a pause never counts against the agent. A
security hold does not pause it: a held request is answered within its first-response target like any other (a
stolen-account claim within the hour), and its resolution target counts from the hold's end. Escalation raises
the priority but keeps the deadlines that were missed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from recovery.errors import N_

_DURATION = re.compile(r"^(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
_ENTRY = re.compile(r"^P([1-4])=([^/]+)/(.+)$")


@dataclass(frozen=True)
class Targets:
    first_response: timedelta
    resolution: timedelta


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"not a duration like 30m, 4h or 3d: {text!r}")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def parse_policy(text: str) -> dict[int, Targets]:
    """`P1=1h/24h,P2=4h/3d,...`: first response / resolution per priority; all four priorities required."""
    policy: dict[int, Targets] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        match = _ENTRY.match(entry)
        if not match:
            raise ValueError(f"not an SLA entry like P1=1h/24h: {entry!r}")
        targets = Targets(parse_duration(match.group(2)), parse_duration(match.group(3)))
        if targets.first_response > targets.resolution:
            raise ValueError(f"first response later than resolution in {entry!r}")
        policy[int(match.group(1))] = targets
    if sorted(policy) != [1, 2, 3, 4]:
        raise ValueError("the SLA policy needs an entry for each of P1, P2, P3 and P4")
    return policy


@dataclass(frozen=True)
class SlaClock:
    first_response_due: datetime
    resolution_due: datetime
    paused_at: datetime | None = None
    responded: bool = False


def start(targets: Targets, opened_at: datetime, *, decide_from: datetime | None = None) -> SlaClock:
    """A clock from `opened_at`; `decide_from`: a security hold's end, before which nothing may be decided, so the
    resolution target counts from there while the first response still counts from the opening."""
    return SlaClock(opened_at + targets.first_response, max(opened_at, decide_from or opened_at) + targets.resolution)


def pause(clock: SlaClock, now: datetime) -> SlaClock:
    return clock if clock.paused_at is not None else replace(clock, paused_at=now)


def resume(clock: SlaClock, now: datetime) -> SlaClock:
    if clock.paused_at is None:
        return clock
    held = max(now - clock.paused_at, timedelta(0))
    return replace(clock, first_response_due=clock.first_response_due + held,
                   resolution_due=clock.resolution_due + held, paused_at=None)


def respond(clock: SlaClock) -> SlaClock:
    return replace(clock, responded=True)


def next_deadline(clock: SlaClock) -> datetime | None:
    """The deadline the ticket is racing now; None while the clock is paused."""
    if clock.paused_at is not None:
        return None
    return clock.resolution_due if clock.responded else min(clock.first_response_due, clock.resolution_due)


def remaining(clock: SlaClock, now: datetime) -> timedelta:
    """Time left to the next deadline (negative when overdue); frozen at the moment a pause began."""
    at = clock.paused_at or now
    deadline = clock.resolution_due if clock.responded else clock.first_response_due
    return deadline - at


@dataclass(frozen=True)
class Verdict:
    warn_for: datetime | None = None  # warn the owner about this deadline
    breached: tuple[str, ...] = ()     # "first_response" and/or "resolution", newly missed


def evaluate(clock: SlaClock, now: datetime, *, warn_before: timedelta, warned_for: datetime | None,
             first_response_breached: bool, resolution_breached: bool) -> Verdict:
    """What the periodic check must do for one ticket: warn once per deadline, flag each breach once."""
    deadline = next_deadline(clock)
    if deadline is None:
        return Verdict()
    breached = []
    if not clock.responded and clock.first_response_due <= now and not first_response_breached:
        breached.append("first_response")
    if clock.resolution_due <= now and not resolution_breached:
        breached.append("resolution")
    warn = deadline - warn_before <= now < deadline and warned_for != deadline
    return Verdict(warn_for=deadline if warn else None, breached=tuple(breached))


def escalated(priority: int) -> int:
    """One step more urgent, P1 at most."""
    return max(1, priority - 1)


def state(clock: SlaClock, now: datetime, *, warn_before: timedelta, breached: bool) -> str:
    """For the console's badge: "paused", "breached", "due_soon" or "ok"."""
    if clock.paused_at is not None:
        return "paused"
    left = remaining(clock, now)
    if breached or left <= timedelta(0):
        return "breached"
    return "due_soon" if left <= warn_before else "ok"


# --- how a countdown reads (the console's queue): words in both languages, from the catalogs -------------------

DURATIONS = {"days": N_("%(days)d d %(hours)d h"), "hours": N_("%(hours)d h %(minutes)02d min"),
             "minutes": N_("%(minutes)d min")}
LEFT, OVERDUE = N_("%(time)s left"), N_("overdue by %(time)s")


def countdown_text(seconds: int, translate) -> str:
    """"2 h 05 min left" / "overdue by 12 min" ("剩余 2 小时 05 分钟" / "已超时 12 分钟") through `translate`."""
    minutes = abs(int(seconds)) // 60
    days, rest = divmod(minutes, 1440)
    parts = {"days": days, "hours": rest // 60, "minutes": rest % 60}
    unit = "days" if days else "hours" if parts["hours"] else "minutes"
    return translate(LEFT if seconds >= 0 else OVERDUE) % {"time": translate(DURATIONS[unit]) % parts}
