"""Support metrics over a period, for the team lead's page and its JSON: first response and resolution times
(median and 90th percentile, nearest rank) by priority and by queue, SLA attainment by priority, the open
backlog day by day, and satisfaction (CSAT: the share of 4 and 5 answers; reported per outcome as well, since a
denied appeal is not a bad agent). Every time comes from the injected clock; withdrawn requests are left out.

`ticket_metrics` is the older summary the /api/v1/tickets/metrics endpoint answers; `team_report` is the page's.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from sqlalchemy import func, or_, select, text

from recovery.context import ServiceContext
from recovery.tickets.models import OPEN_CONDITION, OPEN_STATUSES, PRIORITIES, QUEUES, Ticket

PERIODS = (7, 30, 90)  # the page's choices, in days
OUTCOMES = ("granted", "denied", "ineligible")
SATISFIED = (4, 5)  # CSAT counts these answers of the 1-5 survey as satisfied


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _summary(values: list[float]) -> dict:
    return {"count": len(values), "median_seconds": percentile(values, 0.5), "p90_seconds": percentile(values, 0.9)}


# --- the team lead's report ------------------------------------------------------------------------------------

def team_report(ctx: ServiceContext, *, days: int = 30) -> dict:
    now = ctx.clock.now()
    since = now - timedelta(days=days)
    answered = ctx.session.execute(
        select(Ticket.queue, Ticket.priority, Ticket.created_at, Ticket.first_response_at)
        .where(Ticket.created_at >= since, Ticket.first_response_at.is_not(None), _not_withdrawn())).all()
    resolved = ctx.session.execute(
        select(Ticket.queue, Ticket.priority, Ticket.created_at, Ticket.first_response_at, Ticket.resolved_at,
               Ticket.first_response_due_at, Ticket.resolution_due_at, Ticket.first_response_breached,
               Ticket.resolution_breached)
        .where(Ticket.resolved_at >= since, Ticket.resolved_at <= now, _not_withdrawn())).all()
    first = [(r, (r.first_response_at - r.created_at).total_seconds()) for r in answered]
    resolution = [(r, (r.resolved_at - r.created_at).total_seconds()) for r in resolved]
    return {"days": days, "since": since.isoformat(), "until": now.isoformat(),
            "first_response": _times(first), "resolution": _times(resolution),
            "sla": _sla(resolved), "backlog": backlog(ctx, days=days), "csat": _csat(ctx, since, now)}


def _not_withdrawn():
    return or_(Ticket.outcome.is_(None), Ticket.outcome != "withdrawn")


def _times(rows: list[tuple]) -> dict:
    """Overall, and one entry per priority and per queue (every one, so charts keep their shape)."""
    return {"overall": _summary([seconds for _, seconds in rows]),
            "by_priority": [{"priority": p, **_summary([s for r, s in rows if r.priority == p])} for p in PRIORITIES],
            "by_queue": [{"queue": q, **_summary([s for r, s in rows if r.queue == q])} for q in QUEUES]}


def _met(row) -> tuple[bool, bool]:
    """(first response within target, resolution within target): the breach flags the SLA job sets, and the
    times themselves, so a ticket resolved late before the job ran is not counted as met."""
    first_at = row.first_response_at or row.resolved_at
    first = not row.first_response_breached and first_at <= row.first_response_due_at
    return first, not row.resolution_breached and row.resolved_at <= row.resolution_due_at


def _attainment(rows: Sequence) -> dict:
    met = [_met(row) for row in rows]
    first, whole = sum(f for f, _ in met), sum(w for _, w in met)
    both = sum(1 for f, w in met if f and w)

    def share(n: int) -> float | None:
        return n / len(met) if met else None

    return {"resolved": len(met), "first_response_met": first, "resolution_met": whole, "met": both,
            "first_response_attainment": share(first), "resolution_attainment": share(whole),
            "attainment": share(both)}


def _sla(rows: Sequence) -> dict:
    return {"overall": _attainment(rows),
            "by_priority": [{"priority": p, **_attainment([r for r in rows if r.priority == p])} for p in PRIORITIES]}


def backlog(ctx: ServiceContext, *, days: int) -> list[dict]:
    """Open tickets at the end of each of the last `days` days (today: now), from created and closed times: a
    ticket is open from its creation until it was resolved (or closed), and a ticket open now counts as open
    throughout since its creation (a reopened one's earlier resolution is not a gap here)."""
    now = ctx.clock.now()
    first_day = now.date() - timedelta(days=days - 1)
    start = datetime.combine(first_day, time(), tzinfo=now.tzinfo)
    rows = ctx.session.execute(
        select(Ticket.created_at, Ticket.resolved_at, Ticket.closed_at, Ticket.status)
        .where(Ticket.created_at <= now, _not_withdrawn(),
               or_(Ticket.status.in_(OPEN_STATUSES), Ticket.resolved_at >= start, Ticket.closed_at >= start))).all()
    created = sorted(r.created_at for r in rows)
    ended = sorted(end for r in rows if r.status not in OPEN_STATUSES
                   and (end := r.resolved_at or r.closed_at) is not None)
    points = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        at = min(now, datetime.combine(day + timedelta(days=1), time(), tzinfo=now.tzinfo))
        points.append({"date": day.isoformat(), "open": bisect_right(created, at) - bisect_right(ended, at)})
    return points


def _csat(ctx: ServiceContext, since: datetime, now: datetime) -> dict:
    rows = ctx.session.execute(select(Ticket.outcome, Ticket.satisfaction).where(
        Ticket.satisfaction.is_not(None), Ticket.satisfaction_at >= since, Ticket.satisfaction_at <= now,
        _not_withdrawn())).all()
    return {**_scores([r.satisfaction for r in rows]),
            "by_outcome": {o: _scores([r.satisfaction for r in rows if r.outcome == o]) for o in OUTCOMES}}


def _scores(scores: list[int]) -> dict:
    satisfied = sum(1 for s in scores if s in SATISFIED)
    return {"answers": len(scores), "satisfied": satisfied, "csat": satisfied / len(scores) if scores else None,
            "average": sum(scores) / len(scores) if scores else None,
            "distribution": {str(score): scores.count(score) for score in range(1, 6)}}


# --- the older summary (/api/v1/tickets/metrics) ---------------------------------------------------------------

def ticket_metrics(ctx: ServiceContext, *, days: int = 30) -> dict:
    since = ctx.clock.now() - timedelta(days=days)
    first = ctx.session.execute(select(Ticket.created_at, Ticket.first_response_at)
                                .where(Ticket.created_at >= since, Ticket.first_response_at.is_not(None))).all()
    resolved = ctx.session.execute(
        select(Ticket.queue, Ticket.priority, Ticket.created_at, Ticket.resolved_at, Ticket.first_response_breached,
               Ticket.resolution_breached, Ticket.outcome, Ticket.satisfaction)
        .where(Ticket.resolved_at >= since, Ticket.outcome != "withdrawn")).all()
    return {"days": days,
            "first_response": _summary([(r.first_response_at - r.created_at).total_seconds() for r in first]),
            "resolution": _summary([(r.resolved_at - r.created_at).total_seconds() for r in resolved]),
            "sla": _queue_attainment(resolved), "backlog": _open_now(ctx),
            "satisfaction": {o: _old_scores([r.satisfaction for r in resolved
                                             if r.outcome == o and r.satisfaction is not None]) for o in OUTCOMES}}


def _queue_attainment(rows) -> list[dict]:
    groups: dict[tuple[str, int], list[bool]] = {}
    for row in rows:
        met = not row.first_response_breached and not row.resolution_breached
        groups.setdefault((row.queue, row.priority), []).append(met)
    return [{"queue": queue, "priority": priority, "resolved": len(met), "met": sum(met),
             "attainment": sum(met) / len(met)} for (queue, priority), met in sorted(groups.items())]


def _open_now(ctx: ServiceContext) -> list[dict]:
    query = (select(Ticket.queue, Ticket.priority, Ticket.status, func.count())
             .where(text(f"tickets.{OPEN_CONDITION}"))
             .group_by(Ticket.queue, Ticket.priority, Ticket.status)
             .order_by(Ticket.queue, Ticket.priority, Ticket.status))
    return [{"queue": q, "priority": p, "status": s, "count": c} for q, p, s, c in ctx.session.execute(query)]


def _old_scores(scores: list[int]) -> dict:
    full = _scores(scores)
    return {"answers": full["answers"], "average": full["average"], "distribution": full["distribution"]}
