"""Alerts as related items of a ticket's account (recovery.tickets.related's hook): the console's ticket page
lists the account's alerts without tickets importing alerts."""

from __future__ import annotations

from sqlalchemy import select

from recovery.alerts.labels import RULES, STATUS_LABELS
from recovery.alerts.models import Alert
from recovery.context import ServiceContext
from recovery.tickets.related import RelatedItem, related_provider

RELATED_ALERTS = 10


@related_provider
def account_alerts(ctx: ServiceContext, user_id: int) -> list[RelatedItem]:
    """The account's newest alerts (ix_alerts_user), each linked to the alert console filtered to the account."""
    alerts = ctx.session.scalars(select(Alert).where(Alert.user_id == user_id).order_by(Alert.id.desc())
                                 .limit(RELATED_ALERTS))
    return [RelatedItem(kind="alert", title=RULES.get(alert.rule, alert.rule),
                        state=STATUS_LABELS.get(alert.status, alert.status), at=alert.last_seen_at,
                        severity=alert.severity, count=alert.count, endpoint="alerts.console",
                        params={"user": str(user_id)}, roles=("security", "admin"))
            for alert in alerts]
