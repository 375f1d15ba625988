"""What a requester sees of their tickets: the status page's view (reached by its signed link) and the signed-in
account holder's list of requests ("My requests"), each with the tracker, the next step and the SLA promise.

Only what was written for the requester is shown: their messages and the support team's replies, never a
system line, an internal note, a queue, a source or a signal (recovery/tickets/progress.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from recovery.context import ServiceContext
from recovery.tickets import progress, queries
from recovery.tickets.access import status_token
from recovery.tickets.labels import case_summary
from recovery.tickets.lifecycle import on_hold, sla_policy
from recovery.tickets.models import Ticket, TicketDecision, TicketEvidence, TicketMessage

# Whose messages the requester's status page shows: system lines (alert evidence, containment's source) are
# written for staff, in English, and stay in the console.
PUBLIC_AUTHORS = ("requester", "staff")


def status_view(ctx: ServiceContext, ticket: Ticket) -> dict:
    """What the requester sees: where the request stands (the tracker and the next step), the SLA promise,
    the deadline or hold, the messages written for them (theirs and the support team's: never a system line,
    which staff read), the decision and when to appeal again."""
    now = ctx.clock.now()
    decision = ctx.session.scalar(select(TicketDecision)
                                  .where(TicketDecision.ticket_id == ticket.id, TicketDecision.status == "executed")
                                  .order_by(TicketDecision.id.desc()).limit(1))
    reopen_until = ticket.resolved_at + timedelta(days=ctx.settings.ticket_reopen_days) if ticket.resolved_at else None
    withdrawn = decision is not None and decision.outcome == "withdrawn"  # its reason is ours, not for them
    return {
        "ticket_id": ticket.id, "category": ticket.category, "status": ticket.status,
        "summary": case_summary(ticket),  # what a case the person did not write reads as (containment, alerts)
        **requester_progress(ctx, ticket),
        "created_at": ticket.created_at, "hold_until": ticket.hold_until if ticket.is_open else None,
        "deadline": _expected_decision(ctx, ticket),
        "outcome": decision.outcome if decision else None,
        "reason": decision.reason if decision and not withdrawn else None,
        # A stolen-account case is the owner's own: it is never sent off to appeal again.
        "appeal_again_after": decision.appeal_again_after if decision and ticket.category != "stolen_account"
        else None,
        "can_reply": ticket.is_open or (ticket.status == "resolved" and reopen_until is not None
                                        and now <= reopen_until),
        "can_rate": ticket.status in ("resolved", "closed") and ticket.outcome != "withdrawn",
        "satisfaction": ticket.satisfaction,
        "messages": list(ctx.session.scalars(select(TicketMessage).where(
            TicketMessage.ticket_id == ticket.id, TicketMessage.internal.is_(False),
            TicketMessage.author_type.in_(PUBLIC_AUTHORS)).order_by(TicketMessage.id))),
        "evidence": list(ctx.session.scalars(select(TicketEvidence).where(TicketEvidence.ticket_id == ticket.id,
                                                                          TicketEvidence.deleted_at.is_(None))
                                             .order_by(TicketEvidence.id))),
    }


def requester_progress(ctx: ServiceContext, ticket: Ticket) -> dict:
    """The tracker, the next step and the SLA promise of one ticket (the status page and My requests)."""
    held = on_hold(ctx, ticket)
    current = progress.stage(ticket.status, on_hold=held)
    # Held: nobody may act before the hold ends, so the page tells the hold's end instead of a promise.
    promised = progress.still_promised(ticket.status, ticket.first_response_at) and not held
    return {"stage": current, "steps": progress.steps(current),
            "next_step": progress.next_step(ticket.status, ticket.category, ticket.outcome, on_hold=held),
            "promise": progress.promise(ticket.priority, sla_policy(ctx)[ticket.priority]) if promised else None}


def _expected_decision(ctx: ServiceContext, ticket: Ticket):
    """When the requester can expect a decision: the resolution deadline, moved past a running security hold;
    None while we wait on them (it depends on their answer) or once decided."""
    if not ticket.is_open or ticket.status == "waiting_on_user":
        return None
    if ticket.sla_paused_at is not None and ticket.hold_until is not None and ticket.hold_until > ctx.clock.now():
        return ticket.resolution_due_at + (ticket.hold_until - ticket.sla_paused_at)
    return ticket.resolution_due_at


@dataclass(frozen=True)
class RequestSummary:
    """One row of My requests: what it is, where it stands, what happens next, and its status page's token."""

    ticket_id: int
    category: str
    created_at: datetime
    updated_at: datetime
    stage: str
    steps: list
    next_step: str
    promise: progress.Promise | None
    outcome: str | None
    token: str


def my_requests(ctx: ServiceContext, user_id: int) -> list[RequestSummary]:
    """Every request of the account holder's own, open ones first, newest first within each."""
    summaries = []
    for ticket in queries.requests_of_user(ctx, user_id):
        shown = requester_progress(ctx, ticket)
        summaries.append(RequestSummary(ticket_id=ticket.id, category=ticket.category, created_at=ticket.created_at,
                                        updated_at=ticket.updated_at, outcome=ticket.outcome,
                                        token=status_token(ctx, ticket), **shown))
    return sorted(summaries, key=lambda s: (s.stage == "decided", -s.updated_at.timestamp(), -s.ticket_id))
