"""Account restrictions: which one is in force, what kind a new one is, and who may end it (the one place).

Whatever the path (API, staff page, alert action, ticket decision, containment, the operator's command line),
accounts.status.set_account_status asks `check_authority` before it changes a status:

- The service itself (containment, jobs; no Approval) only imposes: it restricts an active account or replaces
  a restriction one person may end. It never lifts a restriction and never ends one that needs two people.
- Otherwise a staff member decides (an Approval): security or admin directly (API, staff page, alert console),
  any staff role through a ticket decision (the tickets capability has checked the queue); never on their own
  account; only an admin on a staff account (agent, security, admin).
- Ending - lifting *or replacing* - a restriction that needs two staff members (a ban, the owner's stolen-account
  report, any restriction of a staff account) needs a second, different staff member who approved it: two admins
  for a staff account. Laundering it through another status (`banned -> suspended -> active`) is impossible,
  because the first step already ends it. The API and the staff page carry one person, so they are refused with
  a pointer to the ticket decision; a ticket decision carries its requester and its approver.
  `RECOVERY_TICKET_FOUR_EYES=false` (the operator's documented choice) drops the second person everywhere.
- The operator's command line (`set-status`) is the documented exception: `set_status_as_operator`, recorded as
  `authority: operator` on the event and `operator` on the restriction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from recovery.accounts.models import AccountRestriction, User
from recovery.context import ServiceContext
from recovery.errors import N_, PermissionDenied

# The reason containment's "this wasn't me" locks with; no one else may set it (is_stolen_lock reads it).
STOLEN_REASON = "Reported stolen by its owner"
TWO_STAFF_KINDS = ("ban", "stolen", "staff_suspension")
DIRECT_ROLES = ("security", "admin")  # who may change a status outside a ticket decision


@dataclass(frozen=True)
class Approval:
    """Who decided a status change, who approved it where two people are needed, and by which path.

    `via` is "staff" (API, staff page, alert console) or "ticket:<id>" (a ticket decision)."""

    decided_by: User
    approved_by: User | None = None
    via: str = "staff"


def kind_for(user: User, status: str, *, stolen: bool) -> str:
    if stolen:
        return "stolen"
    if user.is_staff:
        return "staff_suspension"
    return {"banned": "ban", "locked": "lock", "suspended": "suspension"}[status]


def _derived(user: User) -> AccountRestriction:
    """A non-active account without a restriction row (set before they were kept, or a test's row): read the way
    the migration's backfill reads it."""
    kind = kind_for(user, user.status, stolen=user.status == "locked" and user.status_reason == STOLEN_REASON)
    return AccountRestriction(user_id=user.id, status=user.status, kind=kind, reason=user.status_reason or "",
                              needs_two_staff=kind in TWO_STAFF_KINDS, set_by=None, set_via="before-restrictions",
                              set_at=user.status_changed_at or user.created_at)


def current_restriction(ctx: ServiceContext, user: User) -> AccountRestriction | None:
    """The restriction in force (None for an active account); possibly not yet in the session (see _derived)."""
    if user.is_active:
        return None
    row = ctx.session.scalar(select(AccountRestriction).where(AccountRestriction.user_id == user.id,
                                                              AccountRestriction.lifted_at.is_(None)))
    return row if row is not None else _derived(user)


def ending_needs_two_staff(ctx: ServiceContext, user: User) -> bool:
    """Lifting or replacing the account's restriction needs a second staff member's approval (ASVS 2.3.5)."""
    restriction = current_restriction(ctx, user)
    return restriction is not None and restriction.needs_two_staff and ctx.settings.ticket_four_eyes


def check_decider(user: User, staff: User | None, *, via: str) -> None:
    """May `staff` decide (or approve) a change of `user`'s status by this path?"""
    if staff is None or not staff.reads_accounts or not staff.is_active:
        raise PermissionDenied()
    if not via.startswith("ticket:") and staff.role not in DIRECT_ROLES:
        raise PermissionDenied()
    if staff.id == user.id:
        raise PermissionDenied(N_("You cannot change the status of your own account."))
    if user.is_staff and staff.role != "admin":
        raise PermissionDenied(N_("Only an admin can change the status of a staff account."))


def check_authority(ctx: ServiceContext, user: User, status: str, restriction: AccountRestriction | None,
                    approval: Approval | None) -> None:
    if approval is None:  # the service itself (containment, jobs): it only imposes
        if ctx.actor.type != "system":
            raise PermissionDenied()
        if status == "active" or (restriction is not None and restriction.needs_two_staff):
            raise PermissionDenied(N_("Only staff can lift or replace this restriction."))
        return
    check_decider(user, approval.decided_by, via=approval.via)
    if restriction is None or not (restriction.needs_two_staff and ctx.settings.ticket_four_eyes):
        return
    second = approval.approved_by
    if second is None:
        raise PermissionDenied(N_("Lifting or replacing a staff account's restriction needs two different "
                                  "admins: decide it on the account's ticket.") if user.is_staff else
                               N_("Lifting or replacing a ban or a stolen-account lock needs a second staff "
                                  "member's approval: decide it on the account's ticket."))
    if second.id == approval.decided_by.id:
        raise PermissionDenied(N_("The second approval must come from a different staff member."))
    check_decider(user, second, via=approval.via)
