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
}
SEVERITY_LABELS = {"low": N_("Low"), "medium": N_("Medium"), "high": N_("High"), "critical": N_("Critical")}
STATUS_LABELS = {"new": N_("New"), "acknowledged": N_("Acknowledged"), "resolved": N_("Resolved")}
register_subject_terms("alert_rule", RULES)  # an alert's ticket names its rule in the console's language
_KINDS = {"rule": RULES, "severity": SEVERITY_LABELS, "status": STATUS_LABELS}


def alert_label(value: str | None, kind: str) -> str:
    labels = _KINDS[kind]
    return gettext(labels[value]) if value in labels else (value or "")


def register(bp: Blueprint) -> None:
    bp.add_app_template_filter(alert_label, "alert_label")
