"""What the security team does about an alert's account from the console: lock it, end its sessions, open a
ticket. Each goes through the owning capability (status, sessions, tickets), which records its own event."""

from __future__ import annotations

from recovery.accounts.models import User
from recovery.accounts.service import get_user, set_account_status
from recovery.accounts.status import Approval, current_restriction, end_sessions_by_staff
from recovery.alerts.service import get_alert
from recovery.context import ServiceContext
from recovery.errors import N_, ValidationFailed
from recovery.events.service import record_event
from recovery.tickets.service import Ticket, open_ticket

# Alerts that mean someone else may hold the account: their ticket is a stolen-account case (P1, security).
TAKEOVER_RULES = {"account_reported_stolen", "signin_blocked", "impossible_travel"}


def _account(ctx: ServiceContext, alert_id: int) -> tuple:
    alert = get_alert(ctx, alert_id)
    if alert.user_id is None:
        raise ValidationFailed({"alert": [N_("This alert is about a source, not an account.")]})
    return alert, get_user(ctx, alert.user_id)


def lock_account(ctx: ServiceContext, alert_id: int, staff: User) -> tuple[User, bool]:
    """Status `locked` with the alert as the reason (set_account_status checks the staff member's role);
    returns the account and whether it was locked now.

    A restriction that two staff members must end (a ban, the owner's stolen-account lock, a staff account's
    restriction) is stronger than this lock and is left in force: replacing it would end it, which one person
    may not do. The account stays blocked either way, and the event says which restriction was kept."""
    alert, user = _account(ctx, alert_id)
    restriction = current_restriction(ctx, user)
    if restriction is not None and restriction.needs_two_staff:
        record_event(ctx, "alert.action.locked", user_id=user.id, alert_id=alert.id, kept=restriction.kind)
        return user, False
    set_account_status(ctx, user, "locked", f"Security alert {alert.id}: {alert.rule}", approval=Approval(staff))
    record_event(ctx, "alert.action.locked", user_id=user.id, alert_id=alert.id)
    return user, True


def revoke_sessions(ctx: ServiceContext, alert_id: int, staff: User) -> int:
    alert, user = _account(ctx, alert_id)
    revoked = end_sessions_by_staff(ctx, user, reason="security_alert")
    record_event(ctx, "alert.action.sessions_revoked", user_id=user.id, alert_id=alert.id, count=revoked)
    return revoked


def open_alert_ticket(ctx: ServiceContext, alert_id: int, staff: User) -> Ticket:
    alert, user = _account(ctx, alert_id)
    category = "stolen_account" if alert.rule in TAKEOVER_RULES else "other"
    ticket = open_ticket(ctx, category=category, user_id=user.id, subject=f"Security alert: {alert.rule}",
                         message=f"Opened from alert {alert.id} ({alert.severity}, seen {alert.count} times).",
                         source="alert", queue="security",
                         attachments=[{"type": "alert", "alert_id": alert.id, "rule": alert.rule,
                                       "severity": alert.severity, "count": alert.count}])
    record_event(ctx, "alert.action.ticket_opened", user_id=user.id, alert_id=alert.id, ticket_id=ticket.id)
    return ticket
