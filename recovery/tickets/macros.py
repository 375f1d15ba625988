"""Canned responses: English msgids with variables, rendered in the requester's language by the console."""

from __future__ import annotations

from datetime import timedelta

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.errors import N_
from recovery.tickets.access import status_link
from recovery.tickets.models import Ticket

MACROS: dict[str, tuple[str, str]] = {  # name -> (title for staff, text with %(variables)s)
    "acknowledge": (N_("Acknowledge"), N_(
        "Hello, thank you for contacting us about request #%(ticket_id)s. We are looking into it and will "
        "write again as soon as we can.")),
    "ask_identity": (N_("Ask for identity details"), N_(
        "To confirm that the account is yours, please tell us where and roughly when you last signed in "
        "successfully, and which devices you usually use. Reply on your request's page: %(status_link)s")),
    "explain_hold": (N_("Explain the security hold"), N_(
        "For the account's safety, recovery requests wait until %(hold_until)s before we can approve them. "
        "If the account's owner does not cancel the request by then, we will continue.")),
    "granted": (N_("Restriction lifted"), N_(
        "We reviewed request #%(ticket_id)s and lifted the restriction on your account. You can sign in again.")),
    "denied": (N_("Restriction stays"), N_(
        "We reviewed request #%(ticket_id)s carefully and cannot lift the restriction. You may appeal again "
        "after %(appeal_again_after)s.")),
}


def macro_variables(ctx: ServiceContext, ticket: Ticket, staff: User) -> dict[str, str]:
    again = ctx.clock.now() + timedelta(days=ctx.settings.ticket_appeal_again_days)
    return {"ticket_id": str(ticket.id), "status_link": status_link(ctx, ticket),
            "hold_until": ticket.hold_until.strftime("%Y-%m-%d %H:%M UTC") if ticket.hold_until else "-",
            "appeal_again_after": again.strftime("%Y-%m-%d"), "agent": staff.email.split("@", 1)[0]}
