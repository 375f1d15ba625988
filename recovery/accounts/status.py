"""Account status: active | locked | suspended | banned with a reason, who may set it, and what a holder is told.

A non-active status ends every session and tells every address on file; after a correct password the holder
sees the status, the reason and the next step (NIST 800-63A-4 §5).
"""

from __future__ import annotations

from recovery.accounts.models import STATUSES, User
from recovery.accounts.notify import notify_security
from recovery.context import ServiceContext
from recovery.errors import N_, AccountNotActive, PermissionDenied, ValidationFailed
from recovery.events.service import record_event
from recovery.sessions import service as sessions
from recovery.sessions.models import UserSession

_STATUS_MESSAGES = {
    "locked": N_("This account is locked. Reason: %(reason)s"),
    "suspended": N_("This account is suspended. Reason: %(reason)s"),
    "banned": N_("This account is banned. Reason: %(reason)s"),
}
# What a person can do about a status: appeal (the link goes to the appeal intake of the tickets capability).
NEXT_STEP = N_("If you think this is a mistake, you can appeal. We have sent the details to the email "
               "addresses on this account.")


# The reason a "this wasn't me" report locks with; only a four-eyes decision lifts such a lock.
STOLEN_REASON = "Reported stolen by its owner"


def is_stolen_lock(user: User) -> bool:
    return user.status == "locked" and user.status_reason == STOLEN_REASON


def lifting_needs_two_staff(user: User) -> bool:
    """Unblocking a banned or stolen account needs a second staff member's approval (ASVS 2.3.5)."""
    return user.status == "banned" or is_stolen_lock(user)


def account_not_active(ctx: ServiceContext, user: User, **kwargs) -> AccountNotActive:
    """The error a non-active account sees after a correct password: its status, the reason, the next step."""
    appeal_url = ctx.link("tickets_intake.appeal", email=user.email)
    error = AccountNotActive(user.status, user.status_reason, extra={
        "account_status": user.status, "reason": user.status_reason or "",
        "next": {"action": "appeal", "message": NEXT_STEP, "url": appeal_url}}, **kwargs)
    error.message = _STATUS_MESSAGES.get(user.status, error.message)
    return error


def set_account_status(ctx: ServiceContext, user: User, status: str, reason: str) -> User:
    """Set active|locked|suspended|banned with a reason; a non-active status ends every session; user is told."""
    reason = (reason or "").strip()
    _check_status_change(ctx, user, status, reason)
    previous = user.status
    user.status, user.status_reason, user.status_changed_at = status, reason, ctx.clock.now()
    revoked = 0
    if status != "active":
        revoked = sessions.revoke_all_sessions(ctx, user.id, reason=f"account_{status}")
    record_event(ctx, "account.status.changed", user_id=user.id, previous=previous, status=status,
                 reason=reason, sessions_revoked=revoked)
    notify_security(ctx, user, "account_status_changed", status=status, reason=reason, previous=previous)
    ctx.session.flush()
    return user


def _check_status_change(ctx: ServiceContext, user: User, status: str, reason: str) -> None:
    fields: dict[str, list[str]] = {}
    if status not in STATUSES:
        fields["status"] = [N_("Choose one of: active, locked, suspended, banned.")]
    if not reason:
        fields["reason"] = [N_("Give a reason; the account holder will be told.")]
    elif len(reason) > 500:
        fields["reason"] = [N_("Keep the reason under 500 characters.")]
    if fields:
        raise ValidationFailed(fields)
    if ctx.actor.type == "system":  # the CLI and the service's own jobs
        return
    actor = ctx.session.get(User, ctx.actor.id) if ctx.actor.id is not None else None
    if actor is None or actor.role not in ("security", "admin"):
        raise PermissionDenied()
    if actor.id == user.id:
        raise PermissionDenied(N_("You cannot change the status of your own account."))
    if user.is_staff and actor.role != "admin":
        raise PermissionDenied(N_("Only an admin can change the status of a staff account."))
    if status == "active" and lifting_needs_two_staff(user):
        raise PermissionDenied(N_("Lifting a ban or a stolen-account lock needs a second staff member's "
                                  "approval: decide it on the account's ticket."))


def may_act_on_sessions(ctx: ServiceContext, user: User) -> bool:
    """Whether the acting staff member may list or end `user`'s sessions: anyone's but a staff account's, which
    only an admin (or its holder) may; the system (CLI, jobs) always may."""
    if not user.is_staff or ctx.actor.type == "system":
        return True
    actor = ctx.session.get(User, ctx.actor.id) if ctx.actor.id is not None else None
    return actor is not None and (actor.role == "admin" or actor.id == user.id)


def _check_may_act_on_sessions(ctx: ServiceContext, user: User) -> None:
    if not may_act_on_sessions(ctx, user):
        raise PermissionDenied(N_("Only an admin can see or end the sessions of a staff account."))


def sessions_for_staff(ctx: ServiceContext, user: User) -> list[UserSession]:
    """An account's active sessions as staff see them (a staff account's only for an admin)."""
    _check_may_act_on_sessions(ctx, user)
    return sessions.list_active_sessions(ctx, user.id)


def end_sessions_by_staff(ctx: ServiceContext, user: User, *, reason: str) -> int:
    """Staff (or an alert action) sign the account out everywhere; the holder is told, like any security change.
    A staff account's sessions only an admin may end."""
    _check_may_act_on_sessions(ctx, user)
    revoked = sessions.revoke_all_sessions(ctx, user.id, reason=reason)
    notify_security(ctx, user, "sessions_ended_by_staff", sessions_revoked=revoked)
    return revoked
