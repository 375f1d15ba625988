"""Accounts: sign-up, email verification, password changes, staff and account status (sign-in: signin.py).

This module is the capability's public surface (contacts and notices live beside it and are re-exported).
Errors raised, all RecoveryError subclasses mapped once in web/errors.py:
ValidationFailed(fields) and its WrongPassword, AuthenticationFailed, AccountNotActive, EmailNotVerified,
TokenInvalid, NotFound, PermissionDenied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from recovery.accounts.contacts import (
    add_contact_address,
    list_contacts,
    remove_contact_address,
    verify_contact_address,
)
from recovery.accounts.models import STAFF_ROLES, ContactAddress, User
from recovery.accounts.notify import notification_addresses, notify_security
from recovery.accounts.password_policy import password_problems
from recovery.accounts.status import Approval, set_account_status, set_status_as_operator
from recovery.accounts.verification import check_code, issue_code
from recovery.context import ServiceContext
from recovery.emails import email_problem, normalise_email
from recovery.errors import (
    N_,
    NotFound,
    TokenInvalid,
    ValidationFailed,
)
from recovery.events.service import SecurityEvent, recent_events_for_user, record_event
from recovery.outbox.service import queue_email
from recovery.sessions import service as sessions
from recovery.sessions.service import UserSession

__all__ = [
    "Approval", "add_contact_address", "change_password", "check_new_password", "confirm_password", "create_staff",
    "find_user_by_email", "get_user", "get_user_by_email", "has_second_factor", "list_contacts",
    "notification_addresses", "notify_security", "password_requirements", "reauthenticate",
    "remove_contact_address", "resend_verification", "security_overview", "send_verification_code",
    "set_account_status", "set_password", "set_second_factor", "set_status_as_operator", "sign_up",
    "verify_contact_address", "verify_email",
    "NotTheCreatorsPassword", "WrongPassword",
]

PRIMARY = "primary"
class WrongPassword(ValidationFailed):
    """The signed-in user's own password, asked for again (re-authentication, password change), was wrong."""

    code = "wrong_password"


class NotTheCreatorsPassword(ValidationFailed):
    """The right code, but not the password the account was created with: whoever holds the mailbox did not
    create this account, and verifying it would hand the creator an account on their address."""

    code = "not_the_creators_password"
    message = N_("That is not the password this account was created with. If you did not create it, choose "
                 "your own password through a reset link instead: it proves the address is yours and ends "
                 "every other claim to the account.")


# --- lookups ---------------------------------------------------------------------------------------------

def find_user_by_email(ctx: ServiceContext, email: str) -> User | None:
    email = normalise_email(email)
    return ctx.session.scalar(select(User).where(User.email == email)) if email else None


def get_user_by_email(ctx: ServiceContext, email: str) -> User:
    user = find_user_by_email(ctx, email)
    if user is None:
        raise NotFound()
    return user


def get_user(ctx: ServiceContext, user_id: int) -> User:
    user = ctx.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


@dataclass(frozen=True)
class SecurityOverview:
    """What the security page (and the staff account page) shows about one account."""

    user: User
    contacts: list[ContactAddress]
    sessions: list[UserSession]
    events: list[SecurityEvent]
    password_rules: dict


def security_overview(ctx: ServiceContext, user: User, *, events: int = 20) -> SecurityOverview:
    """`events`: how many raw events (the staff account page); the holder's own page reads events/owner.py."""
    return SecurityOverview(user=user, contacts=list_contacts(ctx, user),
                            sessions=sessions.list_active_sessions(ctx, user.id),
                            events=recent_events_for_user(ctx, user.id, limit=events) if events else [],
                            password_rules=password_requirements(ctx, user))


def has_second_factor(ctx: ServiceContext, user: User) -> bool:
    """Whether a second factor (a confirmed authenticator) is switched on; the password rules then ask 8."""
    return user.has_second_factor


def set_second_factor(ctx: ServiceContext, user: User, confirmed_at: datetime | None) -> None:
    """The MFA capability tells the account when its active second factor was confirmed (None: it has none
    left), in the transaction that confirms, turns off or resets it."""
    user.second_factor_at = confirmed_at


def set_time_zone(ctx: ServiceContext, user: User, zone: str, *, only_if_unset: bool = False) -> bool:
    """Store the IANA zone the holder's times are shown in (the schema has checked it is one); returns whether
    the row changed. `only_if_unset`: the browser's report, which never overrides a zone the holder chose."""
    if (only_if_unset and user.time_zone) or user.time_zone == zone:
        return False
    user.time_zone = zone
    return True


# --- password rules --------------------------------------------------------------------------------------

def password_requirements(ctx: ServiceContext, user: User | None = None) -> dict:
    """The length rule that applies to this account (8 with a second factor, else 15), for forms and errors."""
    with_mfa = user is not None and has_second_factor(ctx, user)
    settings = ctx.settings
    return {"min_length": settings.password_min_length_with_mfa if with_mfa else settings.password_min_length,
            "max_length": settings.password_max_length}


def _new_password_problems(ctx: ServiceContext, email: str, password: str, user: User | None) -> list[str]:
    rules = password_requirements(ctx, user)
    return [problem.text for problem in password_problems(password, email=email, min_length=rules["min_length"],
                                                          max_length=rules["max_length"])]


def _checked_credentials(ctx: ServiceContext, email: str, password: str) -> str:
    """The normalised email, or ValidationFailed naming every field that is wrong and why."""
    email = normalise_email(email)
    fields: dict[str, list[str]] = {}
    problem = email_problem(email)
    if problem:
        fields["email"] = [problem]
    problems = _new_password_problems(ctx, email, password, None)
    if problems:
        fields["password"] = problems
    if fields:
        raise ValidationFailed(fields)
    return email


# --- sign-up and verification ----------------------------------------------------------------------------

def sign_up(ctx: ServiceContext, email: str, password: str) -> None:
    """Create an unverified account and email a code; for a taken address, tell its owner instead.

    Both paths answer the same and spend the same argon2 time, so sign-up does not reveal who has an account.
    """
    email = _checked_credentials(ctx, email, password)
    existing = find_user_by_email(ctx, email)
    if existing is not None:
        ctx.passwords.hash(password)
        queue_email(ctx, to=existing.email, template="signup_existing", locale=existing.locale,
                    user_id=existing.id, signin_link=ctx.link("signin.password"),
                    security_link=ctx.link("security.page"))
        record_event(ctx, "account.signup.existing_email", user_id=existing.id)
        return
    now = ctx.clock.now()
    user = User(email=email, password_hash=ctx.passwords.hash(password), password_changed_at=now, role="user",
                status="active", locale=ctx.locale, created_at=now)
    ctx.session.add(user)
    ctx.session.flush()
    record_event(ctx, "account.created", user_id=user.id, actor=ctx.actor.as_user(user.id))
    send_verification_code(ctx, user)


def send_verification_code(ctx: ServiceContext, user: User) -> list:
    """Issue and email a code; returns the new rows (so a failing request can still keep them)."""
    issued = issue_code(ctx, user, user.email, PRIMARY)
    if issued is None:
        return []
    row, code = issued
    message = queue_email(ctx, to=user.email, template="verify_email", locale=user.locale, user_id=user.id,
                          code=code, minutes=ctx.settings.verification_code_minutes,
                          link=ctx.link("accounts.verify_email", email=user.email, code=code))
    return [row, message]


def verify_email(ctx: ServiceContext, email: str, code: str, password: str) -> User:
    """Mark the address verified when the code and the password chosen at sign-up both match.

    The code proves the mailbox, the password proves the person who created the account: someone who signed up
    with another person's address cannot have that person verify it for them (account pre-hijacking). An
    unknown address, a wrong, expired or used code all raise TokenInvalid; the right code with another password
    raises NotTheCreatorsPassword and spends one of the code's attempts (the mailbox's holder resets instead).
    """
    user = find_user_by_email(ctx, email)
    if user is None or user.is_verified:
        raise TokenInvalid()
    check_code(ctx, user, user.email, PRIMARY, code)
    if len(password) > ctx.settings.password_max_length or not ctx.passwords.verify(user.password_hash, password):
        event = record_event(ctx, "account.email.verification_failed", user_id=user.id, reason="not_creator")
        raise NotTheCreatorsPassword({"password": [N_("Enter the password chosen when the account was created.")]},
                                     persist=[event])
    user.email_verified_at = ctx.clock.now()
    record_event(ctx, "account.email.verified", user_id=user.id, actor=ctx.actor.as_user(user.id))
    return user


def resend_verification(ctx: ServiceContext, email: str) -> None:
    """Send a new code when the address belongs to an unverified account; silent otherwise."""
    user = find_user_by_email(ctx, email)
    if user is not None and not user.is_verified:
        send_verification_code(ctx, user)


# --- passwords (the sign-in step itself is in signin.py) --------------------------------------------------

def confirm_password(ctx: ServiceContext, user: User, password: str, *, field: str = "password") -> None:
    """The signed-in user typed their password again; a wrong one is recorded and raises WrongPassword."""
    if len(password) > ctx.settings.password_max_length or not ctx.passwords.verify(user.password_hash,
                                                                                    password):
        event = record_event(ctx, "account.password.confirm_failed", user_id=user.id)
        raise WrongPassword({field: [N_("That password is not correct.")]}, persist=[event])


def reauthenticate(ctx: ServiceContext, user: User, session: UserSession, password: str) -> None:
    """A fresh password entry for sensitive changes (re-authentication lasts settings.reauth_minutes)."""
    confirm_password(ctx, user, password)
    sessions.mark_reauthenticated(ctx, session)


def change_password(ctx: ServiceContext, user: User, current_password: str, new_password: str,
                    keep_session_id: str | None) -> int:
    """Replace the password, end every other session and tell every address; returns how many sessions ended."""
    confirm_password(ctx, user, current_password, field="current_password")
    check_new_password(ctx, user, new_password, field="new_password")
    return set_password(ctx, user, new_password, reason="password_changed", keep_session=keep_session_id)


def check_new_password(ctx: ServiceContext, user: User, password: str, *, field: str = "password") -> None:
    """ValidationFailed on `field` naming every rule the new password breaks (the rules of this account)."""
    problems = _new_password_problems(ctx, user.email, password, user)
    if problems:
        raise ValidationFailed({field: problems})


@dataclass(frozen=True)
class _PasswordChange:
    """What one kind of password change records and tells the account's addresses."""

    event: str
    template: str
    by_holder: bool  # the event's actor is the account holder: nobody is signed in on a reset link's page


PASSWORD_CHANGES = {
    "password_changed": _PasswordChange("account.password.changed", "password_changed", by_holder=False),
    "password_reset": _PasswordChange("account.password.reset", "password_reset_done", by_holder=True),
}


def set_password(ctx: ServiceContext, user: User, new: str, *, reason: str, keep_session: str | None = None,
                 details: Mapping[str, object] | None = None, notice: Mapping[str, object] | None = None,
                 proves_address: bool = False) -> int:
    """The one place a password is set, whatever the path: hash, timestamp, end every session but
    `keep_session`, record the event and tell every address; returns how many sessions ended.

    `reason` is the sessions' revocation reason and picks the event and the email: "password_changed" (the
    signed-in holder, accounts' change_password) or "password_reset" (through a link: recovery/reset's
    confirm_reset, containment's reset of a stolen account). `details` and `notice` add the path's own facts
    to the event and the email. `proves_address`: the password came through a link emailed to the account's
    address, which proves control of it, so an unverified address becomes verified. The caller has checked
    the new password (check_new_password) and who may set it, and has ended the reset links it owns
    (recovery.reset.revoke_resets) beforehand.
    """
    change = PASSWORD_CHANGES[reason]
    user.password_hash = ctx.passwords.hash(new)
    user.password_changed_at = ctx.clock.now()
    if proves_address and user.email_verified_at is None:
        user.email_verified_at = user.password_changed_at
    revoked = sessions.revoke_all_sessions(ctx, user.id, reason=reason, keep=keep_session)
    record_event(ctx, change.event, user_id=user.id, actor=ctx.actor.as_user(user.id) if change.by_holder else None,
                 sessions_revoked=revoked, **(details or {}))
    notify_security(ctx, user, change.template, sessions_revoked=revoked, **(notice or {}))
    return revoked


# --- staff ---------------------------------------------------------------------------------------------

def create_staff(ctx: ServiceContext, email: str, password: str, role: str) -> User:
    """A verified staff account (agent, security or admin); an address already in use is refused clearly."""
    if role not in STAFF_ROLES:
        raise ValidationFailed({"role": [N_("Choose a staff role: agent, security or admin.")]})
    email = _checked_credentials(ctx, email, password)
    if find_user_by_email(ctx, email) is not None:
        raise ValidationFailed({"email": [N_("An account with this email address already exists.")]})
    now = ctx.clock.now()
    user = User(email=email, password_hash=ctx.passwords.hash(password), password_changed_at=now, role=role,
                status="active", locale=ctx.settings.default_locale, email_verified_at=now, created_at=now)
    ctx.session.add(user)
    ctx.session.flush()
    record_event(ctx, "account.staff.created", user_id=user.id, role=role)
    return user
