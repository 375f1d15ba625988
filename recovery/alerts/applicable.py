"""Which actions an alert offers: the console shows only these, and the services refuse every other one.

One rule for both, so a button the page leaves out is also a request the service turns down (a stale page, a
second tab, a crafted form): no "Acknowledge" on an acknowledged alert, no "Lock account" on an account that is
not active, no "Revoke sessions" where none is live, no second ticket for an alert that already opened one, and
nothing at all on a resolved alert (the account's own page stays the place to act on it after that).
"""

from __future__ import annotations

from dataclasses import dataclass

from recovery.accounts.models import User
from recovery.accounts.restrictions import check_decider
from recovery.accounts.status import Approval, may_act_on_sessions
from recovery.alerts.models import Alert
from recovery.context import ServiceContext
from recovery.errors import N_, Conflict, PermissionDenied
from recovery.sessions.service import list_active_sessions

ACKNOWLEDGE, NOTE, RESOLVE = "acknowledge", "note", "resolve"
LOCK, REVOKE_SESSIONS, OPEN_TICKET = "lock", "revoke_sessions", "open_ticket"

_REFUSALS = {
    ACKNOWLEDGE: N_("This alert is already acknowledged."),
    NOTE: N_("Acknowledge the alert first; its note goes with the acknowledgement."),
    RESOLVE: N_("This alert is already resolved."),
    LOCK: N_("This account is not active, so there is nothing to lock."),
    REVOKE_SESSIONS: N_("This account has no session to sign out."),
    OPEN_TICKET: N_("This alert has already opened a ticket."),
}


class ActionNotApplicable(Conflict):
    code = "alert_action_not_applicable"
    message = N_("This action does not apply to this alert any more.")

    def __init__(self, action: str) -> None:
        super().__init__()
        self.message = _REFUSALS.get(action, self.message)


@dataclass(frozen=True)
class AccountFacts:
    """What the rule needs to know about the alert's account, as the acting staff member may see it."""

    status: str
    may_lock: bool  # a staff account's status only an admin changes; nobody their own
    may_end_sessions: bool  # a staff account's sessions only an admin ends
    live_sessions: int


def linked_ticket(alert: Alert) -> int | None:
    """The ticket this alert opened: the console's action records it; containment's stolen-account alert names
    the case it opened in its evidence."""
    evidence = alert.evidence or {}
    if isinstance(evidence.get("ticket_id"), int):
        return evidence["ticket_id"]
    for sample in evidence.get("samples", []):
        if isinstance(sample, dict) and isinstance(sample.get("ticket_id"), int):
            return sample["ticket_id"]
    return None


def applicable_actions(alert: Alert, account: AccountFacts | None) -> frozenset[str]:
    """The actions this alert offers now; `account` is None for an alert about a source, not an account."""
    if alert.status == "resolved":
        return frozenset()
    actions = {ACKNOWLEDGE if alert.status == "new" else NOTE, RESOLVE}
    if account is not None:
        if account.status == "active" and account.may_lock:
            actions.add(LOCK)
        if account.live_sessions and account.may_end_sessions:
            actions.add(REVOKE_SESSIONS)
        if linked_ticket(alert) is None:
            actions.add(OPEN_TICKET)
    return frozenset(actions)


def account_facts(ctx: ServiceContext, user: User, staff: User) -> AccountFacts:
    """One account's facts; live sessions are looked up only where they could matter (an active account)."""
    try:
        check_decider(user, staff, via=Approval(staff).via)
        may_lock = True
    except PermissionDenied:
        may_lock = False
    may_end = may_act_on_sessions(ctx, user)
    live = len(list_active_sessions(ctx, user.id)) if may_end and user.status == "active" else 0
    return AccountFacts(status=user.status, may_lock=may_lock, may_end_sessions=may_end, live_sessions=live)


def require(action: str, alert: Alert, account: AccountFacts | None) -> None:
    """The services' side of the rule: refuse (409) an action the console would not have offered."""
    if action not in applicable_actions(alert, account):
        raise ActionNotApplicable(action)
