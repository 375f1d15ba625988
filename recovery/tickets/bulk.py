"""Bulk claim and bulk route from the queue: each ticket through the single-ticket function and its permission
check, each in a savepoint of its own, so a refusal leaves that ticket untouched and the others changed."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.errors import N_, RecoveryError, ValidationFailed
from recovery.tickets import service
from recovery.tickets.models import Ticket

MAX_TICKETS = 200  # the most rows one queue page shows


@dataclass
class BulkResult:
    changed: list[int] = field(default_factory=list)
    refused: list[tuple[int, str, dict]] = field(default_factory=list)  # (ticket id, msgid, its parameters)


def bulk_claim(ctx: ServiceContext, staff: User, ticket_ids: list[int]) -> BulkResult:
    """The staff member takes each ticket as a single claim would (`assignment.claim`: their role must work its
    queue)."""
    return _each(ctx, ticket_ids, lambda ticket: service.claim(ctx, ticket, staff))


def bulk_route(ctx: ServiceContext, staff: User, ticket_ids: list[int], *, queue: str, reason: str,
               priority: int | None = None) -> BulkResult:
    """Each ticket moved as a single reroute would (`service.reroute`: its checks, audit and round-robin)."""
    return _each(ctx, ticket_ids, lambda ticket: service.reroute(ctx, ticket, staff, queue=queue, reason=reason,
                                                                  priority=priority))


def _each(ctx: ServiceContext, ticket_ids: list[int], change) -> BulkResult:
    wanted = list(dict.fromkeys(ticket_ids))  # in the order given, once each
    if not wanted:
        raise ValidationFailed({"ticket_ids": [N_("Choose at least one ticket.")]})
    if len(wanted) > MAX_TICKETS:
        raise ValidationFailed({"ticket_ids": [N_("Choose at most 200 tickets at a time.")]})
    tickets = {t.id: t for t in ctx.session.scalars(select(Ticket).where(Ticket.id.in_(wanted)))}
    result = BulkResult()
    for ticket_id in wanted:
        ticket = tickets.get(ticket_id)
        if ticket is None:
            result.refused.append((ticket_id, N_("We could not find what you asked for."), {}))
            continue
        savepoint = ctx.session.begin_nested()
        try:
            change(ticket)
            savepoint.commit()
        except RecoveryError as refusal:
            savepoint.rollback()  # this ticket's half-made change goes; the others' stay
            ctx.session.refresh(ticket)
            result.refused.append((ticket_id, _reason(refusal), dict(refusal.params)))
            continue
        result.changed.append(ticket_id)
    return result


def _reason(refusal: RecoveryError) -> str:
    """The refusal's own message, or its first field's (a validation failure says what was wrong)."""
    fields = getattr(refusal, "fields", None)
    if fields:
        first = next(iter(fields.values()))
        if first:
            return str(first[0])
    return str(refusal.message)
