"""What the security team does about an alert's account from the console: lock it, end its sessions, open a
ticket. Each goes through the owning capability (status, sessions, tickets), which records its own event; each
is refused (409) where the console would not offer it (applicable.py)."""

from __future__ import annotations

from recovery.accounts.models import User
from recovery.accounts.restrictions import check_decider
from recovery.accounts.service import get_user, set_account_status
from recovery.accounts.status import Approval, end_sessions_by_staff, sessions_for_staff
from recovery.alerts.applicable import LOCK, OPEN_TICKET, REVOKE_SESSIONS, account_facts, require
from recovery.alerts.labels import SEVERITY_LABELS
from recovery.alerts.models import Alert
from recovery.alerts.service import AlertResolved, get_alert, link_ticket
from recovery.context import ServiceContext
from recovery.errors import N_, ValidationFailed
from recovery.events.service import record_event
from recovery.tickets.notes import FROM_ALERT, note
from recovery.tickets.service import Ticket, open_ticket

# Alerts that mean someone else may hold the account: their ticket is a stolen-account case (P1, security).
TAKEOVER_RULES = {"account_reported_stolen", "signin_blocked", "impossible_travel"}


def _account(ctx: ServiceContext, alert_id: int, staff: User, action: str) -> tuple[Alert, User]:
    """The alert and its account, once the action is one the console offers for them (applicable.py)."""
    alert = get_alert(ctx, alert_id)
    if alert.user_id is None:
        raise ValidationFailed({"alert": [N_("This alert is about a source, not an account.")]})
    if alert.status == "resolved":
        raise AlertResolved()
    user = get_user(ctx, alert.user_id)
    facts = account_facts(ctx, user, staff)
    if action == LOCK and facts.status == "active" and not facts.may_lock:
        check_decider(user, staff, via=Approval(staff).via)  # a staff account, or one's own: its own 403
    if action == REVOKE_SESSIONS and not facts.may_end_sessions:
        sessions_for_staff(ctx, user)  # a staff account's sessions, not an admin: its own 403
    require(action, alert, facts)
    return alert, user


def lock_account(ctx: ServiceContext, alert_id: int, staff: User) -> User:
    """Status `locked` with the alert as the reason (set_account_status checks the staff member's role again).
    Only an active account is locked: any restriction in force (a lock, a suspension, a ban, the owner's
    stolen-account lock) already blocks it, and replacing it could end one that two staff members must end."""
    alert, user = _account(ctx, alert_id, staff, LOCK)
    set_account_status(ctx, user, "locked", f"Security alert {alert.id}: {alert.rule}", approval=Approval(staff))
    record_event(ctx, "alert.action.locked", user_id=user.id, alert_id=alert.id)
    return user


def revoke_sessions(ctx: ServiceContext, alert_id: int, staff: User) -> int:
    alert, user = _account(ctx, alert_id, staff, REVOKE_SESSIONS)
    revoked = end_sessions_by_staff(ctx, user, reason="security_alert")
    record_event(ctx, "alert.action.sessions_revoked", user_id=user.id, alert_id=alert.id, count=revoked)
    return revoked


def open_alert_ticket(ctx: ServiceContext, alert_id: int, staff: User) -> Ticket:
    alert, user = _account(ctx, alert_id, staff, OPEN_TICKET)
    category = "stolen_account" if alert.rule in TAKEOVER_RULES else "other"
    ticket = open_ticket(ctx, category=category, user_id=user.id, subject=f"Security alert: {alert.rule}",
                         message=note(FROM_ALERT, alert=alert.id, severity=SEVERITY_LABELS.get(alert.severity,
                                                                                               alert.severity),
                                      count=alert.count),
                         source="alert", queue="security",
                         attachments=[{"type": "alert", "alert_id": alert.id, "rule": alert.rule,
                                       "severity": alert.severity, "count": alert.count}])
    link_ticket(ctx, alert, ticket.id)
    record_event(ctx, "alert.action.ticket_opened", user_id=user.id, alert_id=alert.id, ticket_id=ticket.id)
    return ticket
