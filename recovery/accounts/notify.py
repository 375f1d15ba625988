"""Security notifications: one email to every address on file (the primary and each verified contact)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from recovery.accounts.models import ContactAddress, User
from recovery.context import ServiceContext
from recovery.outbox.service import OutboxMessage, queue_email


def notification_addresses(ctx: ServiceContext, user: User) -> list[str]:
    """The primary address first, then the verified contact addresses in the order they were added."""
    query = (select(ContactAddress.email)
             .where(ContactAddress.user_id == user.id, ContactAddress.verified_at.is_not(None))
             .order_by(ContactAddress.id))
    return [user.email, *ctx.session.scalars(query)]


def notify_security(ctx: ServiceContext, user: User, template: str, **context: Any) -> list[OutboxMessage]:
    """Queue `template` to each notification address in the user's language, in the caller's transaction.

    Every notice says when and from where it happened and links to the security page, so a person who did
    not do it knows where to act. `primary_only` (a mapping) is what only the account's own address may
    receive (a password link): the other addresses get the same email without it, and are told where it went.
    """
    primary_only: Mapping[str, Any] = context.pop("primary_only", None) or {}
    context.setdefault("account_email", user.email)
    context.setdefault("occurred_at", ctx.clock.now())
    context.setdefault("time_zone", user.time_zone)  # for time_in(occurred_at, time_zone): the holder's zone
    context.setdefault("ip", ctx.actor.ip)
    context.setdefault("security_link", ctx.link("security.page"))
    context.setdefault("primary_address", user.email)
    context.setdefault("recipient", user)  # its language and time zone (recovery/web/emails.py::email_time)
    return [queue_email(ctx, to=address, template=template, locale=user.locale, user_id=user.id,
                        **({**context, **primary_only} if address == user.email else context))
            for address in notification_addresses(ctx, user)]
