"""Extra notification addresses: add (a code goes to the new address), verify, remove; the owner is told each time.

Adding or removing one is sensitive (it redirects or silences security notices): the views require a fresh
password, and every address already on file hears about the change.
"""

from __future__ import annotations

from sqlalchemy import select

from recovery.accounts.models import ContactAddress, User
from recovery.accounts.notify import notify_security
from recovery.accounts.verification import check_code, issue_code
from recovery.context import ServiceContext
from recovery.emails import email_problem, mask_email, normalise_email
from recovery.errors import N_, NotFound, TokenInvalid, ValidationFailed
from recovery.events.service import record_event
from recovery.outbox.service import queue_email

MAX_CONTACTS = 3
PURPOSE = "contact"


def find_contact(ctx: ServiceContext, user: User, email: str) -> ContactAddress | None:
    query = select(ContactAddress).where(ContactAddress.user_id == user.id,
                                         ContactAddress.email == normalise_email(email))
    return ctx.session.scalar(query)


def list_contacts(ctx: ServiceContext, user: User) -> list[ContactAddress]:
    query = select(ContactAddress).where(ContactAddress.user_id == user.id).order_by(ContactAddress.id)
    return list(ctx.session.scalars(query))


def add_contact_address(ctx: ServiceContext, user: User, email: str) -> ContactAddress:
    """Add (or re-send the code for) an unverified address; it receives notices only once verified."""
    email = normalise_email(email)
    contact = find_contact(ctx, user, email)
    _check_can_add(ctx, user, email, contact)
    if contact is None:
        contact = ContactAddress(user_id=user.id, email=email, created_at=ctx.clock.now())
        ctx.session.add(contact)
        record_event(ctx, "account.contact.added", user_id=user.id, address=mask_email(email))
        notify_security(ctx, user, "contact_added", new_address=email)
    issued = issue_code(ctx, user, email, PURPOSE)
    if issued is not None:
        queue_email(ctx, to=email, template="new_contact_verify", locale=user.locale, user_id=user.id,
                    code=issued[1], account_email=user.email, minutes=ctx.settings.verification_code_minutes,
                    security_link=ctx.link("security.page"))
    ctx.session.flush()
    return contact


def _check_can_add(ctx: ServiceContext, user: User, email: str, contact: ContactAddress | None) -> None:
    problem = email_problem(email)
    if problem is None and email == user.email:
        problem = N_("This is already your account's email address.")
    elif problem is None and contact is not None and contact.verified_at is not None:
        problem = N_("This address is already on your account.")
    elif problem is None and contact is None and len(list_contacts(ctx, user)) >= MAX_CONTACTS:
        problem = N_("You have as many extra addresses as an account can have. Remove one first.")
    if problem is not None:
        raise ValidationFailed({"email": [problem]})


def verify_contact_address(ctx: ServiceContext, user: User, email: str, code: str) -> ContactAddress:
    contact = find_contact(ctx, user, email)
    if contact is None or contact.verified_at is not None:
        raise TokenInvalid()
    check_code(ctx, user, contact.email, PURPOSE, code)
    contact.verified_at = ctx.clock.now()
    record_event(ctx, "account.contact.verified", user_id=user.id, address=mask_email(contact.email))
    return contact


def remove_contact_address(ctx: ServiceContext, user: User, email: str) -> None:
    """Remove an address; every address on file, the removed one included, is told."""
    contact = find_contact(ctx, user, email)
    if contact is None:
        raise NotFound()
    notify_security(ctx, user, "contact_removed", removed_address=contact.email)
    ctx.session.delete(contact)
    record_event(ctx, "account.contact.removed", user_id=user.id, address=mask_email(contact.email))
    ctx.session.flush()

