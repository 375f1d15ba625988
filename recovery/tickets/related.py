"""What else concerns a ticket's account, for the console's side pane: the account's other tickets, and items
capabilities above tickets provide (alerts) through a registration hook, so tickets never imports them.

A provider is `fn(ctx, user_id) -> list[RelatedItem]`, registered with `related_provider(fn)` when its package
loads (recovery/alerts/related.py); tickets sits below alerts, which imports tickets, never the reverse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from recovery.context import ServiceContext
from recovery.tickets.models import Ticket

RELATED_TICKETS = 10


@dataclass(frozen=True)
class RelatedItem:
    """One line of the related pane: `title` and `state` are msgids (translated where they are shown)."""

    kind: str  # "alert", ...: what the item is
    title: str
    state: str
    at: datetime
    severity: str | None = None  # "low" ... "critical", for the badge's colour
    count: int = 1
    # Where the item is worked (a url_for endpoint and its arguments) and the staff roles that may open it.
    endpoint: str | None = None
    params: dict = field(default_factory=dict)
    roles: tuple[str, ...] = ()


Provider = Callable[[ServiceContext, int], list[RelatedItem]]
_PROVIDERS: list[Provider] = []


def related_provider(fn: Provider) -> Provider:
    """Register a provider of related items (once, however often its module is imported)."""
    if fn not in _PROVIDERS:
        _PROVIDERS.append(fn)
    return fn


def related_items(ctx: ServiceContext, user_id: int | None) -> list[RelatedItem]:
    """Every provider's items for the account, newest first."""
    if user_id is None:
        return []
    items = [item for provider in _PROVIDERS for item in provider(ctx, user_id)]
    return sorted(items, key=lambda item: item.at, reverse=True)


def related_tickets(ctx: ServiceContext, ticket: Ticket, *, limit: int = RELATED_TICKETS) -> list[Ticket]:
    """The account's other tickets, newest first (on ix_tickets_user_status)."""
    if ticket.user_id is None:
        return []
    query = (select(Ticket).where(Ticket.user_id == ticket.user_id, Ticket.id != ticket.id)
             .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit))
    return list(ctx.session.scalars(query))
