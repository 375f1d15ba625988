"""Support metrics over a window: response and resolution times (median, p90), SLA attainment per queue and
priority, the open backlog, and satisfaction reported separately per outcome (a denial is not a bad agent)."""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import func, select, text

from recovery.context import ServiceContext
from recovery.tickets.models import OPEN_CONDITION, Ticket


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _summary(values: list[float]) -> dict:
    return {"count": len(values), "median_seconds": percentile(values, 0.5), "p90_seconds": percentile(values, 0.9)}


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
            "sla": _attainment(resolved), "backlog": _backlog(ctx), "satisfaction": _satisfaction(resolved)}


def _attainment(rows) -> list[dict]:
    groups: dict[tuple[str, int], list[bool]] = {}
    for row in rows:
        met = not row.first_response_breached and not row.resolution_breached
        groups.setdefault((row.queue, row.priority), []).append(met)
    return [{"queue": queue, "priority": priority, "resolved": len(met), "met": sum(met),
             "attainment": sum(met) / len(met)} for (queue, priority), met in sorted(groups.items())]


def _backlog(ctx: ServiceContext) -> list[dict]:
    query = (select(Ticket.queue, Ticket.priority, Ticket.status, func.count())
             .where(text(f"tickets.{OPEN_CONDITION}"))
             .group_by(Ticket.queue, Ticket.priority, Ticket.status)
             .order_by(Ticket.queue, Ticket.priority, Ticket.status))
    return [{"queue": q, "priority": p, "status": s, "count": c} for q, p, s, c in ctx.session.execute(query)]


def _satisfaction(rows) -> dict:
    result = {}
    for outcome in ("granted", "denied", "ineligible"):
        scores = [row.satisfaction for row in rows if row.outcome == outcome and row.satisfaction is not None]
        result[outcome] = {"answers": len(scores), "average": sum(scores) / len(scores) if scores else None,
                           "distribution": {str(score): scores.count(score) for score in range(1, 6)}}
    return result
