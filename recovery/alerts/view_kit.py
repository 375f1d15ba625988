"""What the console shows of an alert: its evidence in words (country names in the page's language, networks,
counts with their plural forms, device names), its account by masked email, its assignee, the ticket it opened
and the actions that apply. Nothing raw reaches the page: no `country=None`, no Python list, no account number."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale, gettext, ngettext

from recovery.accounts.models import User
from recovery.alerts import service
from recovery.alerts.applicable import AccountFacts, account_facts, applicable_actions, linked_ticket
from recovery.alerts.labels import reason_label, report_source_label
from recovery.alerts.models import Alert
from recovery.context import ServiceContext
from recovery.emails import mask_email
from recovery.places import country_name
from recovery.useragents import device_of


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class ConsoleRow:
    alert: Alert
    account: str | None  # the account's masked email ("a•••@example.com"); None for an alert about a source
    account_status: str | None
    assignee: str | None
    facts: list[Fact]
    actions: frozenset[str]
    ticket_id: int | None


def console_rows(ctx: ServiceContext, alerts: list[Alert], staff: User) -> list[ConsoleRow]:
    """The rows of one console page: one query for the accounts and assignees, live sessions looked up only
    for active accounts with an open alert (the one action that needs them)."""
    people = service.people_of(ctx, alerts)
    facts: dict[int, AccountFacts] = {}
    for alert in alerts:
        user = people.get(alert.user_id) if alert.user_id is not None else None
        if user is not None and user.id not in facts and alert.status != "resolved":
            facts[user.id] = account_facts(ctx, user, staff)
    rows = []
    for alert in alerts:
        user = people.get(alert.user_id) if alert.user_id is not None else None
        assignee = people.get(alert.assignee_id) if alert.assignee_id is not None else None
        rows.append(ConsoleRow(
            alert=alert, account=mask_email(user.email) if user else None,
            account_status=user.status if user else None, assignee=assignee.email if assignee else None,
            facts=evidence_facts(alert), actions=applicable_actions(alert, facts.get(user.id) if user else None),
            ticket_id=linked_ticket(alert)))
    return rows


def evidence_facts(alert: Alert) -> list[Fact]:
    """The latest sample's evidence as labelled facts in the page's language; unknown values are left out."""
    samples = (alert.evidence or {}).get("samples") or [{}]
    sample = samples[-1] if isinstance(samples[-1], dict) else {}
    locale = str(get_locale() or "en")
    facts = []
    for key, value in sample.items():
        if key in ("at", "ticket_id") or value in (None, "", [], {}):
            continue
        if key == "ip" and value == alert.source:  # already in the Source column
            continue
        fact = _fact(key, value, locale, sample)
        if fact is not None:
            facts.append(fact)
    return facts


def _fact(key: str, value, locale: str, sample: dict) -> Fact | None:
    if key == "country":
        return Fact(gettext("Country"), country_name(str(value), locale) or str(value))
    if key == "asn":
        network = sample.get("network")
        return Fact(gettext("Network"), f"{value} ({network})" if network else str(value))
    if key == "network":
        return None if sample.get("asn") else Fact(gettext("Network"), str(value))
    if key == "ip":
        return Fact(gettext("IP address"), str(value))
    if key == "device":
        return Fact(gettext("Device"), str(value))
    if key == "user_agent":
        return Fact(gettext("Device"), device_of(str(value)) or gettext("Unknown device"))
    if key == "reasons" and isinstance(value, list):
        return Fact(gettext("Why"), gettext(", ").join(reason_label(str(reason)) for reason in value))
    if key == "source":
        return Fact(gettext("Reported from"), report_source_label(str(value)))
    if key == "disabled":
        return Fact(gettext("Password"), gettext("disabled until reset")) if value is True else None
    count = _COUNTS.get(key)
    if count is not None and isinstance(value, int) and not isinstance(value, bool):
        return Fact(gettext(count[0]), ngettext(count[1], count[2], value))
    return Fact(key.replace("_", " "), ", ".join(map(str, value)) if isinstance(value, list) else str(value))


def _(message: str) -> str:
    return message  # marks a message for extraction; translated where it is shown


# key -> (label, singular, plural): "3 failed sign-ins" / "3 次登录失败".
_COUNTS = {
    "failures": (_("Failed sign-ins"), _("%(num)d failed sign-in"), _("%(num)d failed sign-ins")),
    "locks": (_("Temporary locks"), _("%(num)d lock"), _("%(num)d locks")),
    "ip_failures": (_("From this address"), _("%(num)d failed sign-in"), _("%(num)d failed sign-ins")),
    "ip_accounts": (_("From this address"), _("%(num)d account tried"), _("%(num)d accounts tried")),
    "network_accounts": (_("From this network"), _("%(num)d account tried"), _("%(num)d accounts tried")),
    "threshold": (_("Alert threshold"), _("%(num)d failure"), _("%(num)d failures")),
    "score": (_("Risk score"), _("%(num)d point"), _("%(num)d points")),
}
