"""Routing rules as data: categories, English and Chinese keywords, account signals; the stolen-account rule."""

import json

import pytest

from recovery.tickets import routing

RULES = routing.DEFAULT_RULES


@pytest.mark.parametrize("category, subject, message, signals, expected", [
    ("stolen_account", "x", "please help", set(), ("security", 1)),
    ("unblock_appeal", "Appeal", "I think my account was hacked yesterday", set(), ("security", 2)),
    ("unblock_appeal", "申诉", "我的账号被盗了，请帮忙", set(), ("security", 2)),
    ("unblock_appeal", "申诉", "有人盗号，登录地点不是我", set(), ("security", 2)),
    ("unblock_appeal", "申诉", "我的账号被误封了", set(), ("support-l1", 3)),
    ("unblock_appeal", "Appeal", "I was banned for no reason", {"recent_alert"}, ("security", 2)),
    ("unblock_appeal", "Appeal", "I was banned", {"recent_password_change"}, ("security", 2)),
    ("account_recovery", "Recovery", "lost my phone", set(), ("support-l2", 2)),
    ("mfa_reset", "MFA", "new phone", {"recent_mfa_change"}, ("security", 2)),
    ("other", "Question", "It is URGENT, my business page", set(), ("support-l1", 2)),
    ("other", "问题", "紧急！", set(), ("support-l1", 2)),
    ("other", "Question", "how do I change my name", set(), ("support-l1", 4)),
])
def test_route_maps_category_keywords_and_signals(category, subject, message, signals, expected):
    routed = routing.route(RULES, category=category, subject=subject, message=message, signals=signals)
    assert (routed.queue, routed.priority) == expected


def test_stolen_account_goes_p1_to_security_whatever_the_rules_say():
    rules = [{"name": "everything-low", "queue": "support-l1", "priority": 4}]
    routed = routing.route(rules, category="stolen_account", subject="s", message="m")
    assert (routed.queue, routed.priority) == ("security", 1)


def test_signals_from_event_types_ignore_harmless_password_events():
    assert routing.signals_from_event_types(["account.password.rehashed", "session.started"]) == set()
    assert routing.signals_from_event_types(["account.password.changed", "mfa.totp.enabled", "alert.raised"]) == {
        "recent_password_change", "recent_mfa_change", "recent_alert"}


def test_load_rules_reads_an_operator_file(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps([{"name": "vip", "keywords": ["vip", "贵宾"], "queue": "support-l2", "priority": 1},
                                {"queue": "support-l1", "priority": 4}], ensure_ascii=False), encoding="utf-8")
    rules = routing.load_rules(str(path))
    assert routing.route(rules, category="other", subject="s", message="我是贵宾").queue == "support-l2"


@pytest.mark.parametrize("rules, problem", [
    ([], "non-empty"),
    ([{"queue": "nowhere", "priority": 1}], "needs a queue"),
    ([{"queue": "security", "priority": 9}], "needs a queue"),
    ([{"queue": "security", "priority": 1, "category": ["nope"]}], "unknown category"),
    ([{"queue": "security", "priority": 1, "signals": ["moon_phase"]}], "unknown signals"),
    ([{"queue": "security", "priority": 1, "colour": "red"}], "only the keys"),
    ([{"queue": "security", "priority": 1, "keywords": "hacked"}], "list of strings"),
])
def test_validate_rules_refuses_rules_that_would_misroute(rules, problem):
    with pytest.raises(ValueError, match=problem):
        routing.validate_rules(rules)


def test_app_refuses_to_start_with_a_broken_routing_file(make_app, tmp_path):
    from recovery.settings import SettingsError

    path = tmp_path / "rules.json"
    path.write_text('[{"queue": "nowhere", "priority": 1}]')
    with pytest.raises(SettingsError, match="RECOVERY_TICKET_ROUTING_FILE"):
        make_app(ticket_routing_file=str(path))
