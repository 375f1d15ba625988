"""Alerts: raised by detection rules, deduplicated per (rule, account, source) within a window so an attack is
one alert that grows; worked by the security team through new -> acknowledged -> resolved.

```mermaid
stateDiagram-v2
    [*] --> new: raise_alert (no open alert with the same key seen within alert_dedup_minutes)
    new --> new: raise_alert again (count + 1, last_seen_at, evidence sample)
    new --> acknowledged: acknowledge (assignee, note)
    acknowledged --> acknowledged: raise_alert again (still grows)
    new --> resolved: resolve (note)
    acknowledged --> resolved: resolve (note)
    resolved --> [*]: the next occurrence opens a new alert
```

Webhook subscribers hear of a new alert, of a severity that rises, and of counts reaching 10, 100, 1000...
(see webhooks.py), never of every single occurrence.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, or_, select, text

from recovery.accounts.models import User
from recovery.alerts import webhooks
from recovery.alerts.applicable import ACKNOWLEDGE, NOTE, require
from recovery.alerts.models import SEVERITIES, Alert, severity_rank
from recovery.context import ServiceContext
from recovery.emails import normalise_email
from recovery.errors import N_, Conflict, NotFound, ValidationFailed
from recovery.events.service import InvalidCursor, record_event
from recovery.numbers import parse_id, parse_int

__all__ = ["raise_alert", "list_alerts", "count_changes", "get_alert", "acknowledge", "add_note", "resolve",
           "link_ticket", "AlertPage", "Changes"]
_SAMPLES = 10
_NOTE_LIMIT = 2000


class AlertResolved(Conflict):
    code = "alert_resolved"
    message = N_("This alert is already resolved.")


def dedup_key(rule: str, user_id: int | None, source: str | None) -> str:
    return hashlib.sha256(f"{rule}|{user_id or ''}|{source or ''}".encode()).hexdigest()


def raise_alert(ctx: ServiceContext, *, rule: str, severity: str, user_id: int | None = None,
                source: str | None = None, evidence: dict | None = None) -> Alert:
    """Open an alert, or grow the open one with the same rule, account and source seen within the window."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")
    now = ctx.clock.now()
    key = dedup_key(rule, user_id, source)
    _serialise_on(ctx, key)
    window = now - timedelta(minutes=ctx.settings.alert_dedup_minutes)
    alert = ctx.session.scalar(select(Alert).where(Alert.dedup_key == key, Alert.last_seen_at >= window,
                                                   Alert.status != "resolved")
                               .order_by(Alert.id.desc()).limit(1))
    sample = {"at": now.isoformat(), **(evidence or {})}
    if alert is None:
        opened = {"ticket_id": sample["ticket_id"]} if isinstance(sample.get("ticket_id"), int) else {}
        alert = Alert(dedup_key=key, rule=rule, severity=severity, severity_rank=severity_rank(severity),
                      user_id=user_id, source=(source or None) and source[:64],
                      evidence={"samples": [sample], **opened},
                      count=1, first_seen_at=now, last_seen_at=now, status="new")
        ctx.session.add(alert)
        ctx.session.flush()
        record_event(ctx, "alert.raised", user_id=user_id, alert_id=alert.id, rule=rule, severity=severity,
                     source=source)
        webhooks.fan_out(ctx, alert, "alert.raised")
        return alert
    _grow(ctx, alert, severity, sample)
    return alert


def _serialise_on(ctx: ServiceContext, key: str) -> None:
    """One raiser at a time per dedup key, so two first sightings cannot open two alerts and two sightings
    cannot lose a count. PostgreSQL: a transaction-scoped advisory lock; SQLite's BEGIN IMMEDIATE already
    serialises every writing transaction."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        ctx.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(key[:15], 16)})


def _grow(ctx: ServiceContext, alert: Alert, severity: str, sample: dict) -> None:
    alert.count += 1
    alert.last_seen_at = ctx.clock.now()
    samples = [*alert.evidence.get("samples", []), sample][-_SAMPLES:]
    alert.evidence = {**alert.evidence, "samples": samples}
    escalated = severity_rank(severity) > alert.severity_rank
    if escalated:
        alert.severity, alert.severity_rank = severity, severity_rank(severity)
    ctx.session.flush()
    if escalated:
        webhooks.fan_out(ctx, alert, "alert.escalated")
    elif _milestone(alert.count):
        webhooks.fan_out(ctx, alert, "alert.updated")


def _milestone(count: int) -> bool:
    return count >= 10 and str(count).strip("0") == "1"  # 10, 100, 1000 ...


# --- the security team's view ------------------------------------------------------------------------------

@dataclass(frozen=True)
class AlertFilters:
    status: str | None = None
    min_severity: str | None = None
    rule: str | None = None
    user: str | None = None  # an id or an email
    source: str | None = None


@dataclass(frozen=True)
class AlertPage:
    alerts: list[Alert]
    next_cursor: str | None


def list_alerts(ctx: ServiceContext, filters: AlertFilters, *, cursor: str | None = None, limit: int = 50
                ) -> AlertPage:
    """Newest first (by id, so pages stay stable while alerts grow); `cursor` continues a previous page."""
    query = _filtered(ctx, select(Alert), filters)
    if query is None:
        return AlertPage([], None)
    after = _decode_cursor(cursor)
    if after is not None:
        query = query.where(Alert.id < after)
    rows = list(ctx.session.scalars(query.order_by(Alert.id.desc()).limit(limit + 1)))
    page = rows[:limit]
    return AlertPage(page, _encode_cursor(page[-1].id) if len(rows) > limit else None)


def _filtered(ctx: ServiceContext, query: Select, filters: AlertFilters, *, status: bool = True) -> Select | None:
    """`query` narrowed by the filters; None when they name an account that does not exist (nothing matches)."""
    if filters.status and status:
        query = query.where(Alert.status == filters.status)
    if filters.min_severity:
        query = query.where(Alert.severity_rank >= severity_rank(filters.min_severity))
    if filters.rule:
        query = query.where(Alert.rule == filters.rule)
    if filters.source:
        query = query.where(Alert.source == filters.source.strip())
    if filters.user:
        user_id = _user_id(ctx, filters.user)
        if user_id is None:
            return None
        query = query.where(Alert.user_id == user_id)
    return query


@dataclass(frozen=True)
class Changes:
    new: int  # alerts matching the filters raised after the newest one the page showed
    changed: int  # alerts the page showed that grew or changed status since it was shown

    @property
    def total(self) -> int:
        return self.new + self.changed


CHANGES_SPAN = 10_000  # ids of alerts each count of count_changes reads at most (a poll's bounded cost)


def count_changes(ctx: ServiceContext, filters: AlertFilters, *, after: int, since: datetime, oldest: int = 0
                  ) -> Changes:
    """What the console would show differently now than when it was drawn (`after` and `oldest`: the newest and
    oldest alert ids it showed; `since`: when it was drawn). Two counts, no rows: the console polls this while an
    analyst types. Both counts walk the primary key from a bound the page gives, so a poll costs the same on a
    table of millions. A changed alert is counted whatever its status now (one a colleague acknowledged leaves a
    "new only" list, and that is a change worth offering)."""
    new_query = _filtered(ctx, select(func.count()).select_from(Alert), filters)
    changed_query = _filtered(ctx, select(func.count()).select_from(Alert), filters, status=False)
    if new_query is None or changed_query is None:
        return Changes(0, 0)
    # The bounds come from the request: each count reads at most CHANGES_SPAN ids of the primary key, whatever
    # a crafted query names (after=0 would walk every alert ever raised). A page drawn from more than that
    # many alerts back is offered what changed in its newest CHANGES_SPAN ids.
    oldest = max(oldest, after - CHANGES_SPAN + 1)
    new = ctx.session.scalar(new_query.where(Alert.id > after, Alert.id <= after + CHANGES_SPAN)) or 0
    changed = ctx.session.scalar(changed_query.where(
        Alert.id <= after, Alert.id >= oldest, or_(Alert.last_seen_at > since, Alert.acknowledged_at > since,
                               Alert.resolved_at > since))) or 0
    return Changes(new, changed)


def people_of(ctx: ServiceContext, alerts: list[Alert]) -> dict[int, User]:
    """The accounts and assignees of a page of alerts, by id, in one query."""
    ids = {i for alert in alerts for i in (alert.user_id, alert.assignee_id) if i is not None}
    if not ids:
        return {}
    return {user.id: user for user in ctx.session.scalars(select(User).where(User.id.in_(ids)))}


def _user_id(ctx: ServiceContext, user: str) -> int | None:
    user = user.strip()
    if parse_int(user) is not None:  # ASCII digits: an id, or nobody when no column could hold it
        return parse_id(user)
    return ctx.session.scalar(select(User.id).where(User.email == normalise_email(user)))


def _encode_cursor(alert_id: int) -> str:
    return base64.urlsafe_b64encode(f"a{alert_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor() from exc
    alert_id = parse_id(raw[1:], big=True) if raw.startswith("a") else None
    if alert_id is None:
        raise InvalidCursor()
    return alert_id


def get_alert(ctx: ServiceContext, alert_id: int) -> Alert:
    alert = ctx.session.get(Alert, alert_id)
    if alert is None:
        raise NotFound()
    return alert


def _check_note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > _NOTE_LIMIT:
        raise ValidationFailed({"note": [N_("Keep the note under 2,000 characters.")]})
    return note or None


def _assignee(ctx: ServiceContext, staff: User, assignee_id: int | None) -> int:
    if assignee_id is None or assignee_id == staff.id:
        return staff.id
    assignee = ctx.session.get(User, assignee_id)
    if assignee is None or assignee.role not in ("security", "admin") or not assignee.is_active:
        raise ValidationFailed({"assignee_id": [N_("Choose a member of the security team.")]})
    return assignee.id


def acknowledge(ctx: ServiceContext, alert_id: int, staff: User, *, note: str | None = None,
                assignee_id: int | None = None) -> Alert:
    """Someone is on it: new -> acknowledged, with an assignee (the acknowledging staff member by default).
    Only a new alert is acknowledged; an acknowledged one takes notes and a new assignee by add_note."""
    alert = get_alert(ctx, alert_id)
    if alert.status == "resolved":
        raise AlertResolved()
    require(ACKNOWLEDGE, alert, None)
    alert.assignee_id = _assignee(ctx, staff, assignee_id)
    alert.note = _check_note(note) or alert.note
    alert.status, alert.acknowledged_at = "acknowledged", ctx.clock.now()
    record_event(ctx, "alert.acknowledged", user_id=alert.user_id, alert_id=alert.id, assignee_id=alert.assignee_id)
    ctx.session.flush()
    return alert


def add_note(ctx: ServiceContext, alert_id: int, staff: User, *, note: str | None = None,
             assignee_id: int | None = None) -> Alert:
    """An acknowledged alert's note and assignee change as the work goes on (a new alert is acknowledged)."""
    alert = get_alert(ctx, alert_id)
    if alert.status == "resolved":
        raise AlertResolved()
    require(NOTE, alert, None)
    alert.assignee_id = _assignee(ctx, staff, assignee_id) if assignee_id is not None else alert.assignee_id
    alert.note = _check_note(note) or alert.note
    # The same event type as the first acknowledgement (what re-acknowledging recorded before notes had a path of
    # their own), marked as a later note so the history reads "taken up" once.
    record_event(ctx, "alert.acknowledged", user_id=alert.user_id, alert_id=alert.id, assignee_id=alert.assignee_id,
                 later_note=True)
    ctx.session.flush()
    return alert


def resolve(ctx: ServiceContext, alert_id: int, staff: User, *, note: str | None = None) -> Alert:
    alert = get_alert(ctx, alert_id)
    if alert.status == "resolved":
        raise AlertResolved()
    alert.note = _check_note(note) or alert.note
    alert.assignee_id = alert.assignee_id or staff.id
    alert.status, alert.resolved_at = "resolved", ctx.clock.now()
    alert.acknowledged_at = alert.acknowledged_at or alert.resolved_at
    record_event(ctx, "alert.resolved", user_id=alert.user_id, alert_id=alert.id)
    ctx.session.flush()
    return alert


def link_ticket(ctx: ServiceContext, alert: Alert, ticket_id: int) -> None:
    """Remember the ticket this alert opened (the console links to it, and offers no second one)."""
    alert.evidence = {**(alert.evidence or {}), "ticket_id": ticket_id}
    ctx.session.flush()
