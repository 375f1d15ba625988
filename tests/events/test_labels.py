"""Every security event type the service records has a label in recovery/events/labels.py.

The types come from the code itself: an AST scan of every record_event(...) and new_event(...) call (an event a
flow writes with other rows) under recovery/. A type built
at run time (an f-string or a name) must be listed in DYNAMIC with every value it can take, so a new one fails
here until it is labelled.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from flask_babel import force_locale

from recovery.accounts.service import PASSWORD_CHANGES
from recovery.detection import scoring
from recovery.events.labels import ACTOR_LABELS, EVENT_LABELS, HIDDEN_FROM_OWNER, label
from recovery.tickets.models import OUTCOMES

ROOT = Path(__file__).resolve().parents[2] / "recovery"
TEMPLATES = ROOT.parent / "templates"

# The source text of each computed type -> every type it can produce.
DYNAMIC = {
    "f'account.{kind}.verification_failed'": {"account.email.verification_failed",
                                              "account.contact.verification_failed"},
    "change.event": {change.event for change in PASSWORD_CHANGES.values()},
    "f'detection.signin.{assessment.action}'": {f"detection.signin.{action}" for action in (
        scoring.ALLOW, scoring.NOTIFY, scoring.STEP_UP, scoring.BLOCK)},
    "f'mfa.totp.{change}'": {"mfa.totp.enabled", "mfa.totp.replaced"},
    "f'ticket.decision.{decision.outcome}'": {f"ticket.decision.{outcome}" for outcome in OUTCOMES},
}


def _types_of(argument: ast.expr) -> set[str]:
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return {argument.value}
    if isinstance(argument, ast.IfExp):
        return _types_of(argument.body) | _types_of(argument.orelse)
    source = ast.unparse(argument)
    assert source in DYNAMIC, f"record_event type {source!r} is computed: list its values in DYNAMIC"
    return DYNAMIC[source]


def recorded_types() -> dict[str, str]:
    """Every event type recorded anywhere in recovery/ -> one place that records it."""
    found: dict[str, str] = {}
    for path in sorted(ROOT.rglob("*.py")):
        if path == ROOT / "events" / "service.py":  # record_event passes its caller's type on to new_event
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None))
                    in ("record_event", "new_event")):
                continue
            argument = node.args[1] if len(node.args) > 1 else next(k.value for k in node.keywords if k.arg == "type")
            for type_ in _types_of(argument):
                found.setdefault(type_, f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    return found


def test_scan_finds_the_event_types_of_every_capability():
    prefixes = {type_.split(".")[0] for type_ in recorded_types()}
    assert {"account", "session", "mfa", "detection", "ticket", "alert", "outbox"} <= prefixes


def test_every_recorded_event_type_has_a_label():
    missing = {type_: where for type_, where in recorded_types().items() if type_ not in EVENT_LABELS}
    assert missing == {}, f"label these in recovery/events/labels.py: {missing}"


def test_every_label_belongs_to_a_recorded_event_type():
    stale = set(EVENT_LABELS) - set(recorded_types())
    assert stale == set(), f"no code records these any more: {sorted(stale)}"
    assert HIDDEN_FROM_OWNER <= set(EVENT_LABELS)


def test_actor_labels_cover_every_kind_of_actor_the_owner_view_names():
    assert set(ACTOR_LABELS) == {"account", "support", "security", "recovery", "other"}


def test_label_reads_an_event_type_in_english_and_simplified_chinese(app):
    with app.test_request_context():
        with force_locale("en"):
            assert label("session.started", "event") == "Signed in"
        with force_locale("zh_Hans"):
            chinese = label("session.started", "event")
    assert chinese not in {"Signed in", "session.started"} and re.search(r"[\u4e00-\u9fff]", chinese)


def test_label_of_an_unknown_event_type_never_shows_its_code(app):
    with app.test_request_context(), force_locale("en"):
        assert label("test.not_labelled", "event") == "Security event"
        assert label("locked", "status") == "Locked" and label("admin", "role") == "Administrator"


def test_no_template_prints_an_event_type_without_its_label():
    """Event loops name their item `e` (or `event`): its type is shown only through the registry."""
    raw = {str(path.relative_to(TEMPLATES)): match.group(0) for path in TEMPLATES.rglob("*.html")
           for match in re.finditer(r"\{\{\s*(e|event)\.type\s*\}\}", path.read_text(encoding="utf-8"))}
    assert raw == {}, f"print these through |label(\"event\"): {raw}"
