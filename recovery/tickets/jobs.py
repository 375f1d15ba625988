"""Periodic jobs of the tickets capability, run by `flask --app wsgi recovery worker`.

- tickets.sla_check (every minute): resume clocks whose security hold ended; warn owners 15 minutes before a
  deadline; flag each breach once, escalate (priority up, the queue's lead emailed) and log it.
- tickets.close_resolved (hourly): resolved tickets close once the reopen window has passed.
- tickets.surveys (every 15 minutes): the one-question survey, 24 hours after a ticket resolves.
- tickets.evidence_purge (hourly): evidence files go 30 days after the decision; each deletion is logged.
- tickets.prune_codes (hourly): intake codes are dropped a day after they stopped working.
- tickets.sla_gauges (every 30 seconds): open tickets near or past their deadline, by priority, for /metrics.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, case, delete, func, select, text

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.db import rowcount
from recovery.observability.metrics import count_sla, publish_gauge
from recovery.outbox.jobs import register_job
from recovery.outbox.service import queue_email
from recovery.tickets import sla
from recovery.tickets.evidence import purge_evidence
from recovery.tickets.lifecycle import audit, clock_of, log, notify_requester, sync_sla, warn_before
from recovery.tickets.models import OPEN_CONDITION, PRIORITIES, IntakeChallenge, Ticket
from recovery.tickets.service import escalate

BATCH = 500
_OPEN = text(f"tickets.{OPEN_CONDITION}")


def resume_ended_holds(ctx: ServiceContext) -> int:
    """Clocks paused for a hold by the rule before this round (a hold now moves only the resolution target:
    sla.start's `decide_from`), run again once the hold has ended."""
    now = ctx.clock.now()
    query = (select(Ticket).where(_OPEN, Ticket.status != "waiting_on_user", Ticket.sla_paused_at.is_not(None),
                                  Ticket.hold_until.is_not(None), Ticket.hold_until <= now).limit(BATCH))
    tickets = list(ctx.session.scalars(query))
    for ticket in tickets:
        sync_sla(ctx, ticket)
        audit(ctx, ticket, "hold.ended")
    return len(tickets)


def check_slas(ctx: ServiceContext) -> dict:
    """One pass over the tickets whose next deadline is within the warning window or past."""
    resumed = resume_ended_holds(ctx)
    now = ctx.clock.now()
    query = (select(Ticket).where(_OPEN, Ticket.sla_paused_at.is_(None), Ticket.resolution_breached.is_(False),
                                  Ticket.due_at <= now + warn_before(ctx))
             .order_by(Ticket.due_at).limit(BATCH))
    warned = breached = 0
    for ticket in ctx.session.scalars(query).all():
        verdict = sla.evaluate(clock_of(ticket), now, warn_before=warn_before(ctx),
                               warned_for=ticket.sla_warned_due_at,
                               first_response_breached=ticket.first_response_breached,
                               resolution_breached=ticket.resolution_breached)
        if verdict.warn_for is not None:
            _warn_owner(ctx, ticket, verdict.warn_for)
            count_sla("warning", ticket.priority)
            warned += 1
        for kind in verdict.breached:
            count_sla(f"breach_{kind}", ticket.priority)  # the priority it breached at, before escalation
            _breach(ctx, ticket, kind)
            breached += 1
    ctx.session.flush()
    return {"resumed": resumed, "warned": warned, "breached": breached}


def _warn_owner(ctx: ServiceContext, ticket: Ticket, deadline) -> None:
    ticket.sla_warned_due_at = deadline
    audit(ctx, ticket, "sla.warned", deadline=deadline.isoformat(), owner_id=ticket.owner_id)
    owner = ctx.session.get(User, ticket.owner_id) if ticket.owner_id else None
    if owner is not None:
        queue_email(ctx, to=owner.email, template="ticket_sla_warning", locale=owner.locale, user_id=owner.id,
                    ticket_id=ticket.id, subject_line=ticket.subject, deadline=deadline,
                    link=ctx.link("tickets.ticket", ticket_id=ticket.id))


def _breach(ctx: ServiceContext, ticket: Ticket, kind: str) -> None:
    if kind == "first_response":
        ticket.first_response_breached = True
    else:
        ticket.resolution_breached = True
    audit(ctx, ticket, "sla.breached", deadline=kind, priority=ticket.priority)
    log.warning("ticket %s breached its %s SLA at P%s", ticket.id, kind, ticket.priority)
    escalate(ctx, ticket, None, reason=f"SLA breach: {kind.replace('_', ' ')}")


def close_resolved(ctx: ServiceContext) -> int:
    now = ctx.clock.now()
    cutoff = now - timedelta(days=ctx.settings.ticket_reopen_days)
    tickets = list(ctx.session.scalars(select(Ticket).where(Ticket.status == "resolved", Ticket.resolved_at <= cutoff)
                                       .limit(BATCH)))
    for ticket in tickets:
        ticket.status, ticket.closed_at = "closed", now
        audit(ctx, ticket, "closed", by="reopen_window_passed")
    return len(tickets)


def send_surveys(ctx: ServiceContext) -> int:
    """Ask once, a day after resolution; only recently resolved tickets are looked at (an index range)."""
    now = ctx.clock.now()
    delay = timedelta(hours=ctx.settings.ticket_survey_delay_hours)
    window = timedelta(days=ctx.settings.ticket_reopen_days)
    query = (select(Ticket).where(Ticket.resolved_at <= now - delay, Ticket.resolved_at > now - delay - window,
                                  Ticket.survey_sent_at.is_(None), Ticket.outcome.in_(("granted", "denied",
                                                                                      "ineligible")))
             .limit(BATCH))
    tickets = list(ctx.session.scalars(query))
    for ticket in tickets:
        ticket.survey_sent_at = now
        notify_requester(ctx, ticket, "ticket_survey")
        audit(ctx, ticket, "survey.sent")
    return len(tickets)


def prune_codes(ctx: ServiceContext) -> int:
    """A code's row only matters while it can be used (and for counting attempts); keep a day for support."""
    cutoff = ctx.clock.now() - timedelta(days=1)
    result = ctx.session.execute(delete(IntakeChallenge).where(IntakeChallenge.expires_at < cutoff)
                                 .execution_options(synchronize_session=False))
    return rowcount(result)


def publish_sla_gauges(ctx: ServiceContext) -> None:
    """recovery_tickets_sla_at_risk for /metrics: open tickets with a running clock whose deadline is near or past,
    by priority (computed here on a schedule, never per scrape; one pass over the open-order index)."""
    now = ctx.clock.now()
    state = case((Ticket.due_at <= now, "breached"), else_="at_risk")
    near = and_(_OPEN, Ticket.sla_paused_at.is_(None), Ticket.due_at <= now + warn_before(ctx))
    rows = ctx.session.execute(select(Ticket.priority, state, func.count()).where(near)
                               .group_by(Ticket.priority, state))
    values: dict[tuple[str, ...], float] = {(s, f"P{p}"): 0.0 for p in PRIORITIES for s in ("at_risk", "breached")}
    values.update({(s, f"P{p}"): float(n) for p, s, n in rows})
    publish_gauge(ctx.session, "recovery_tickets_sla_at_risk", values, now)


register_job("tickets.sla_check", timedelta(minutes=1), check_slas)
register_job("tickets.sla_gauges", timedelta(seconds=30), publish_sla_gauges)
register_job("tickets.close_resolved", timedelta(hours=1), close_resolved)
register_job("tickets.surveys", timedelta(minutes=15), send_surveys)
register_job("tickets.evidence_purge", timedelta(hours=1), purge_evidence)
register_job("tickets.prune_codes", timedelta(hours=1), prune_codes)
