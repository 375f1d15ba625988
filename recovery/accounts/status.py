"""Account status: active | locked | suspended | banned with a reason, and what a holder is told.

A non-active status is an AccountRestriction row (restrictions.py: its kind, and who may end it); User.status
mirrors it in the same transaction.

A non-active status ends every session and tells every address on file; after a correct password the holder
sees the status, the reason and the next step (NIST 800-63A-4 §5).
"""

from __future__ import annotations

import re

from recovery.accounts.models import STATUSES, AccountRestriction, User
from recovery.accounts.notify import notify_security
from recovery.accounts.restrictions import (
    STOLEN_REASON,
    TWO_STAFF_KINDS,
    Approval,
    check_authority,
    current_restriction,
    ending_needs_two_staff,
    kind_for,
)
from recovery.context import ServiceContext
from recovery.errors import N_, AccountNotActive, Message, PermissionDenied, ValidationFailed
from recovery.events.service import record_event
from recovery.sessions import service as sessions
from recovery.sessions.service import UserSession

__all__ = ["STOLEN_REASON", "Approval", "account_not_active", "current_restriction", "end_sessions_by_staff",
           "ending_needs_two_staff", "is_stolen_lock", "lock_as_stolen", "reason_for_owner", "set_account_status",
           "set_status_as_operator"]
OPERATOR = "operator"

_STATUS_MESSAGES = {
    "locked": N_("This account is locked. Reason: %(reason)s"),
    "suspended": N_("This account is suspended. Reason: %(reason)s"),
    "banned": N_("This account is banned. Reason: %(reason)s"),
}
# What a person can do about a status: appeal (the link goes to the appeal intake of the tickets capability).
NEXT_STEP = N_("If you think this is a mistake, you can appeal. We have sent the details to the email "
               "addresses on this account.")


# Reasons the service writes itself (not staff, whose reason is "written for the account holder"), as the holder
# reads them in their language: the stolen-account report's, an alert action's ("Security alert 3: rule", an
# internal rule name) and a ticket decision's prefix ("Ticket 4: " before the reason written for the requester).
_OWNER_STOLEN = N_("You reported it stolen.")
_OWNER_ALERT = N_("Our security team saw unusual activity on it.")
_ALERT_REASON = re.compile(r"^Security alert \d+: ")
_TICKET_REASON = re.compile(r"^Ticket \d+: ")


def reason_for_owner(reason: str | None) -> str:
    """The status reason as the account holder may read it: a `Message` (translated wherever it is shown: the
    error layer, emails) for the service's own reasons, a staff member's reason as it was written, never an
    internal rule name or ticket number."""
    if not reason:
        return ""
    if reason == STOLEN_REASON:
        return Message(_OWNER_STOLEN)
    if _ALERT_REASON.match(reason):
        return Message(_OWNER_ALERT)
    return _TICKET_REASON.sub("", reason, count=1)


def is_stolen_lock(user: User) -> bool:
    return user.status == "locked" and user.status_reason == STOLEN_REASON


def account_not_active(ctx: ServiceContext, user: User, *, next_step: dict | None = None,
                       **kwargs) -> AccountNotActive:
    """The error a non-active account sees after a correct password: its status, the reason, the next step.

    `next_step` replaces the appeal where a flow above knows better (an open stolen-account case: the owner
    is already a P1 case, so an appeal is the wrong door; detection.containment.case_next_step)."""
    appeal = {"action": "appeal", "message": NEXT_STEP, "url": ctx.link("tickets_intake.appeal", email=user.email)}
    reason = reason_for_owner(user.status_reason)
    error = AccountNotActive(user.status, reason, extra={
        "account_status": user.status, "reason": reason, "next": next_step or appeal}, **kwargs)
    error.message = _STATUS_MESSAGES.get(user.status, error.message)
    return error


def set_account_status(ctx: ServiceContext, user: User, status: str, reason: str, *,
                       approval: Approval | None = None) -> User:
    """Set active|locked|suspended|banned with a reason; a non-active status ends every session; user is told.

    `approval` names the staff member who decided (and the one who approved, where two are needed); without
    it the service itself acts, and may only impose a restriction (restrictions.py says who may do what)."""
    return _change(ctx, user, status, reason, approval=approval,
                   via=approval.via if approval is not None else "service")


def set_status_as_operator(ctx: ServiceContext, user: User, status: str, reason: str) -> User:
    """The operator's command line (`recovery set-status`): the one documented exception to the staff rules
    (roles, four-eyes), for the person who runs the service. Recorded as `authority: operator`."""
    return _change(ctx, user, status, reason, approval=None, via=OPERATOR)


def lock_as_stolen(ctx: ServiceContext, user: User, *, source: str) -> User:
    """Containment's lock after the owner's "this wasn't me": an active account or an ordinary lock becomes a
    stolen-account lock (two staff members end it). A stronger restriction (a ban, a suspension, a staff
    account's restriction) stays in force untouched."""
    restriction = current_restriction(ctx, user)
    if restriction is None or restriction.kind == "lock":
        # Not announced here: containment sends the one email that says what happened and what happens next.
        _change(ctx, user, "locked", STOLEN_REASON, approval=None, via=f"secure-account:{source}"[:48],
                stolen=True, announce=False)
    return user


def _change(ctx: ServiceContext, user: User, status: str, reason: str, *, approval: Approval | None, via: str,
            stolen: bool = False, announce: bool = True) -> User:
    reason = (reason or "").strip()
    _check_fields(status, reason, stolen=stolen)
    ctx.session.flush()
    ctx.session.refresh(user, with_for_update=True)  # concurrent changes of one account queue here
    restriction = current_restriction(ctx, user)
    if via != OPERATOR:
        check_authority(ctx, user, status, restriction, approval)
    ended = _end(ctx, restriction, approval, via, reason)
    imposed = _impose(ctx, user, status, reason, approval, via, stolen) if status != "active" else None
    previous = user.status
    user.status, user.status_reason, user.status_changed_at = status, reason, ctx.clock.now()
    revoked = 0
    if status != "active":
        revoked = sessions.revoke_all_sessions(ctx, user.id, reason=f"account_{status}")
    record_event(ctx, "account.status.changed", user_id=user.id, previous=previous, status=status,
                 reason=reason, sessions_revoked=revoked, authority=via,
                 kind=imposed.kind if imposed else None, ended=ended.kind if ended else None,
                 decided_by=approval.decided_by.id if approval else None,
                 approved_by=approval.approved_by.id if approval and approval.approved_by else None)
    if announce:
        notify_security(ctx, user, "account_status_changed", status=status, reason=reason_for_owner(reason),
                        previous=previous, appeal_link=ctx.link("tickets_intake.appeal", email=user.email))
    ctx.session.flush()
    return user


def _check_fields(status: str, reason: str, *, stolen: bool) -> None:
    fields: dict[str, list[str]] = {}
    if status not in STATUSES:
        fields["status"] = [N_("Choose one of: active, locked, suspended, banned.")]
    if not reason:
        fields["reason"] = [N_("Give a reason; the account holder will be told.")]
    elif len(reason) > 500:
        fields["reason"] = [N_("Keep the reason under 500 characters.")]
    elif reason == STOLEN_REASON and not stolen:
        fields["reason"] = [N_("This reason is kept for the owner's own stolen-account report; write another.")]
    if fields:
        raise ValidationFailed(fields)


def _end(ctx: ServiceContext, restriction: AccountRestriction | None, approval: Approval | None, via: str,
         reason: str) -> AccountRestriction | None:
    """The restriction in force ends (lifted, or replaced by the new one); its row keeps who and why."""
    if restriction is None:
        return None
    if restriction not in ctx.session:  # derived from the user row: kept in the history from now on
        ctx.session.add(restriction)
    restriction.lifted_at, restriction.lifted_via, restriction.lift_reason = ctx.clock.now(), via, reason
    if approval is not None:
        restriction.lifted_by = approval.decided_by.id
        restriction.lift_approved_by = approval.approved_by.id if approval.approved_by else None
    ctx.session.flush()  # before the new open row: one open restriction per account (a unique index)
    return restriction


def _impose(ctx: ServiceContext, user: User, status: str, reason: str, approval: Approval | None, via: str,
            stolen: bool) -> AccountRestriction:
    kind = kind_for(user, status, stolen=stolen)
    restriction = AccountRestriction(user_id=user.id, status=status, kind=kind, reason=reason,
                                     needs_two_staff=kind in TWO_STAFF_KINDS,
                                     set_by=approval.decided_by.id if approval else None, set_via=via,
                                     set_at=ctx.clock.now())
    ctx.session.add(restriction)
    return restriction


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
