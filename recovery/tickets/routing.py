"""Routing rules as data: category, keywords (English and Chinese) and account signals -> queue and priority.

Rules are tried in order and the first whose every condition holds decides; a rule may name `category`
(any of), `keywords` (any, matched case-insensitively as substrings of the subject and message, so Chinese
needs no word breaks) and `signals` (any). Operators replace the defaults with a JSON list of the same shape
(RECOVERY_TICKET_ROUTING_FILE). Whatever the rules say, a stolen account goes to `security` as P1.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from recovery.tickets.models import CATEGORIES, QUEUES

# Account signals, from the types of the account's recent security events.
SIGNAL_PREFIXES = {
    "recent_alert": ("alert.",),
    "recent_password_change": ("account.password.",),
    "recent_mfa_change": ("mfa.",),
}
# Events under those prefixes that change nothing (anyone can ask for a reset link; only using it counts).
IGNORED_EVENTS = {"account.password.rehashed", "account.password.confirm_failed", "account.password.reset_failed",
                  "account.password.reset_requested", "account.password.reset_link_sent"}
SIGNALS = tuple(SIGNAL_PREFIXES)
TAKEOVER_WORDS = ["hacked", "hijacked", "stolen", "compromised", "someone else", "not me", "phishing",
                  "被盗", "盗号", "被黑", "黑客", "入侵", "不是我", "钓鱼"]
URGENT_WORDS = ["urgent", "emergency", "紧急", "急用"]

DEFAULT_RULES: tuple[dict, ...] = (
    {"name": "stolen-account", "category": ["stolen_account"], "queue": "security", "priority": 1},
    {"name": "takeover-words", "keywords": TAKEOVER_WORDS, "queue": "security", "priority": 2},
    {"name": "recent-alert", "signals": ["recent_alert"], "queue": "security", "priority": 2},
    {"name": "recent-credential-change", "category": ["unblock_appeal", "account_recovery", "mfa_reset"],
     "signals": ["recent_password_change", "recent_mfa_change"], "queue": "security", "priority": 2},
    {"name": "lost-factors", "category": ["account_recovery", "mfa_reset"], "queue": "support-l2", "priority": 2},
    {"name": "urgent-words", "keywords": URGENT_WORDS, "queue": "support-l1", "priority": 2},
    {"name": "appeal", "category": ["unblock_appeal"], "queue": "support-l1", "priority": 3},
    {"name": "fallback", "queue": "support-l1", "priority": 4},
)
_KEYS = {"name", "category", "keywords", "signals", "queue", "priority"}


@dataclass(frozen=True)
class Route:
    queue: str
    priority: int
    rule: str


def signals_from_event_types(event_types: Iterable[str]) -> set[str]:
    types = [t for t in event_types if t not in IGNORED_EVENTS]
    return {signal for signal, prefixes in SIGNAL_PREFIXES.items()
            if any(t.startswith(prefixes) for t in types)}


def validate_rules(rules: object) -> tuple[dict, ...]:
    """Refuse a rule set that would misroute silently: unknown keys, queues, categories, signals, priorities."""
    if not isinstance(rules, list | tuple) or not rules:
        raise ValueError("routing rules must be a non-empty JSON list")
    for index, rule in enumerate(rules):
        where = f"routing rule {index + 1}"
        if not isinstance(rule, dict) or set(rule) - _KEYS:
            raise ValueError(f"{where}: only the keys {sorted(_KEYS)} are allowed")
        if rule.get("queue") not in QUEUES or rule.get("priority") not in (1, 2, 3, 4):
            raise ValueError(f"{where}: needs a queue of {QUEUES} and a priority of 1-4")
        _check_list(where, rule, "category", CATEGORIES)
        _check_list(where, rule, "signals", SIGNALS)
        _check_list(where, rule, "keywords", None)
    return tuple(rules)


def _check_list(where: str, rule: dict, key: str, allowed: tuple | None) -> None:
    values = rule.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError(f"{where}: {key} must be a list of strings")
    if allowed is not None and set(values) - set(allowed):
        raise ValueError(f"{where}: unknown {key} {sorted(set(values) - set(allowed))}")


def load_rules(path: str) -> tuple[dict, ...]:
    if not path:
        return DEFAULT_RULES
    return validate_rules(json.loads(Path(path).read_text(encoding="utf-8")))


def _matches(rule: dict, category: str, text: str, signals: set[str]) -> bool:
    if "category" in rule and category not in rule["category"]:
        return False
    if "keywords" in rule and not any(word.casefold() in text for word in rule["keywords"]):
        return False
    return not ("signals" in rule and not signals.intersection(rule["signals"]))


def route(rules: Iterable[dict], *, category: str, subject: str, message: str,
          signals: Iterable[str] = ()) -> Route:
    if category == "stolen_account":
        return Route("security", 1, "stolen-account")
    text = f"{subject}\n{message}".casefold()
    signal_set = set(signals)
    for rule in rules:
        if _matches(rule, category, text, signal_set):
            return Route(rule["queue"], rule["priority"], rule.get("name", "unnamed"))
    return Route("support-l1", 4, "default")
