"""The names people read for alert rules, severities and statuses, in both languages."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext

from recovery.errors import N_
from recovery.tickets.labels import register_subject_terms

RULES = {
    "brute_force": N_("Brute force on an account"),
    "credential_stuffing": N_("Credential stuffing from one source"),
    "signin_failures_global": N_("Sign-ins failing across the service (a spread attack)"),
    "signin_blocked": N_("Risky sign-in blocked"),
    "account_reported_stolen": N_("Account reported stolen"),
    "impossible_travel": N_("Impossible travel between sign-ins"),
}
# Why detection blocked a sign-in (its rule names), as the security team reads them.
REASONS = {
    "new_device": N_("new device"),
    "new_country": N_("new country"),
    "new_network": N_("new network"),
    "impossible_travel": N_("impossible travel"),
    "after_credential_change": N_("soon after a credential change"),
    "success_after_failures": N_("right after failed passwords"),
    "deny_listed": N_("deny-listed network"),
    "unfamiliar_during_attack": N_("unfamiliar device during an attack"),
}
# Where the owner reported their account stolen (containment's `source`).
REPORT_SOURCES = {
    "email_button": N_("the button in a sign-in email"),
    "security_page": N_("the security page"),
    "api": N_("the API"),
}
SEVERITY_LABELS = {"low": N_("Low"), "medium": N_("Medium"), "high": N_("High"), "critical": N_("Critical")}
STATUS_LABELS = {"new": N_("New"), "acknowledged": N_("Acknowledged"), "resolved": N_("Resolved")}
register_subject_terms("alert_rule", RULES)  # an alert's ticket names its rule in the console's language
_KINDS = {"rule": RULES, "severity": SEVERITY_LABELS, "status": STATUS_LABELS}


def alert_label(value: str | None, kind: str) -> str:
    labels = _KINDS[kind]
    return gettext(labels[value]) if value in labels else (value or "")


def reason_label(reason: str) -> str:
    return gettext(REASONS[reason]) if reason in REASONS else reason.replace("_", " ")


def report_source_label(source: str) -> str:
    return gettext(REPORT_SOURCES[source]) if source in REPORT_SOURCES else source.replace("_", " ")


def register(bp: Blueprint) -> None:
    bp.add_app_template_filter(alert_label, "alert_label")
