"""Tickets from a test's side: evidence files by their magic bytes, a staff decision, the security events it left."""

from __future__ import annotations

from sqlalchemy import select

from recovery.context import Actor
from recovery.events.models import SecurityEvent
from recovery.tickets import decisions
from recovery.tickets.models import Ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def decide(services, people, staff_id, ticket_id, **kwargs):
    """The staff member `staff_id` decides the ticket through the decisions service (one unit of work)."""
    with services(Actor("staff", staff_id, "198.51.100.7")) as ctx:
        return decisions.decide(ctx, ctx.session.get(Ticket, ticket_id), people.user(staff_id), **kwargs)


def approve(services, people, staff_id, ticket_id):
    """The staff member `staff_id` approves the ticket's pending proposal by its id, as the ticket page's Approve
    does (a matching decision of their own is refused: decisions.ProposalWaiting)."""
    with services(Actor("staff", staff_id, "198.51.100.7")) as ctx:
        ticket = ctx.session.get(Ticket, ticket_id)
        pending = decisions.pending_decision(ctx, ticket)
        assert pending is not None, "no proposal is waiting"
        return decisions.approve(ctx, ticket, people.user(staff_id), pending.id)


def events_of(services, type_: str) -> list[SecurityEvent]:
    """Every security event of one type, read in a unit of work of its own."""
    with services() as ctx:
        return list(ctx.session.scalars(select(SecurityEvent).where(SecurityEvent.type == type_)))
