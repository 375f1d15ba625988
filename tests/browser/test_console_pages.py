"""Every staff console page (every GET page under /staff), signed in as the staff role that works in it, in English
and Chinese, at 1280, 1024 and 390 px: no sideways scroll at any of the three, no console error, and no WCAG 2.2
A/AA violation of serious or critical impact (axe-core). Like tests/browser/test_pages.py for the user pages:
one browser page per language, resized for each size; a GET page of the URL map under /staff that is neither
walked nor in NOT_WALKED (with why) fails the test.

The queue and ticket pages are being rewritten on other branches (issue 19); what the walk finds on them today is
listed in KNOWN_CONSOLE_FAILURES and reported, not failed on. The lead empties that dict when the branches meet.
With RECOVERY_SCREENSHOTS=<dir> each page is saved as a full-page PNG per size.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers.console import sideways_scroll, sign_in_context, staff_member
from helpers.database import unit_of_work
from helpers.pagecheck import PageChecker, axe_source
from helpers.people import add_user
from werkzeug.exceptions import HTTPException

from recovery.accounts.models import User
from recovery.alerts import service as alerts
from recovery.alerts import webhooks
from recovery.help.content import import_content
from recovery.help.editing import save_draft
from recovery.sessions.service import start_session
from recovery.tickets import service as tickets
from recovery.tickets.models import Ticket

pytestmark = pytest.mark.browser
HELP_FIXTURES = Path(__file__).resolve().parents[1] / "help" / "fixtures" / "content"
SIZES = {"1280": (1280, 800), "1024": (1024, 768), "390": (390, 844)}
# Console pages of the URL map the walk does not check, and why. Every other GET page under /staff must be walked.
NOT_WALKED = {
    "alerts.changes": "JSON for console-alerts.js, not a page (tests/alerts/test_console.py)",
    "tickets.evidence": "an evidence file download, not a page (tests/tickets/test_evidence.py)",
}
# Pages other branches of issue 19 are rewriting (queue, ticket): their findings today, kept out of the failure so
# this branch stays green; the lead empties this at merge and the walk then holds them to the same bar.
KNOWN_CONSOLE_FAILURES: dict[str, str] = {}


def _seed(app, locale: str) -> dict:
    """The people and rows the console pages show: a user with a history, an appeal answered by an agent, a
    resolved and rated ticket, alerts of every kind, a webhook subscription, queued mail."""
    ids = {role: staff_member(app, f"{role}@example.com", role, locale=locale)
           for role in ("agent", "security", "admin", "content")}
    owner = add_user(app, "mei@example.com", locale=locale).id
    with unit_of_work(app) as ctx:
        start_session(ctx, owner, kind="browser")
        agent = ctx.session.get(User, ids["agent"])
        appeal = tickets.open_ticket(ctx, category="unblock_appeal", user_id=owner, subject="Appeal",
                                     message="Please look at my account again.", source="appeal")
        tickets.reply(ctx, appeal, agent, "Which city did you last sign in from?", request_info=True)
        done = tickets.open_ticket(ctx, category="other", user_id=owner, subject="Question", message="How?",
                                   source="appeal", priority=3)
        tickets.reply(ctx, done, agent, "Like this.")
        resolved, now = ctx.session.get(Ticket, done.id), ctx.clock.now()  # opened 3 hours ago, rated
        resolved.status, resolved.outcome, resolved.created_at = "resolved", "granted", now - timedelta(hours=3)
        resolved.first_response_at, resolved.resolved_at = now - timedelta(hours=2), now - timedelta(hours=1)
        resolved.satisfaction, resolved.satisfaction_at = 5, now
        alerts.raise_alert(ctx, rule="brute_force", severity="medium", user_id=owner,
                           evidence={"failures": 12, "locks": 3, "disabled": True, "ip": "203.0.113.7"})
        alerts.raise_alert(ctx, rule="signin_blocked", severity="high", user_id=owner, source="203.0.113.7",
                           evidence={"score": 130, "reasons": ["new_device"], "country": "DE", "device": "Firefox 128"})
        alerts.raise_alert(ctx, rule="credential_stuffing", severity="critical", source="198.51.100.0/24",
                           evidence={"ip_accounts": 40, "network": "198.51.100.0/24", "asn": "Example Hosting"})
        webhooks.create_subscription(ctx, ctx.session.get(User, ids["security"]),
                                     url="https://hooks.example.com/recovery", min_severity="high")
        import_content(ctx, HELP_FIXTURES)  # the content console's articles, and a draft with its own revision
        text = {"title": "忘记密码", "summary": "重置密码。", "body": "## 步骤\n\n1. 打开重置页面。"}
        draft = save_draft(ctx, "forgot-password", "zh", text, author_id=ids["content"])
    return {**ids, "owner": owner, "appeal": appeal.id, "revision": draft.id}


def _walk(checker: PageChecker, app, base_url: str, seeded: dict) -> list:
    findings: list = []

    def visit(name: str, path: str) -> None:
        response = checker.page.goto(base_url + path)
        assert response is not None and response.status == 200, f"{name}: {path} answered {response.status}"
        found = checker.check(name)
        for finding in found:  # the checker measures sideways scroll at the narrowest size only
            width, height = SIZES[finding.size]
            finding.overflow_px = max(finding.overflow_px, sideways_scroll(checker.page, width, height))
        findings.extend(found)

    def as_role(role: str) -> None:
        checker.context.clear_cookies()
        sign_in_context(checker.context, app, base_url, seeded[role])

    as_role("agent")
    visit("staff-home", "/staff/")
    visit("staff-account", f"/staff/accounts/{seeded['owner']}")
    visit("events-log", "/staff/events")
    visit("tickets-queue", "/staff/tickets")
    for view in ("mine", "unassigned", "approval", "breaching", "stolen"):
        visit(f"tickets-queue-{view}", f"/staff/tickets?view={view}")
    visit("tickets-ticket", f"/staff/tickets/{seeded['appeal']}")
    visit("tickets-metrics", "/staff/tickets/metrics")
    visit("tickets-metrics-7-days", "/staff/tickets/metrics?days=7")
    visit("tickets-queues", "/staff/tickets/queues")
    as_role("security")
    visit("alerts-console", "/staff/alerts")
    visit("alerts-webhooks", "/staff/alerts/webhooks")
    visit("outbox", "/staff/outbox")
    visit("staff-account-security", f"/staff/accounts/{seeded['owner']}")  # with the status form
    as_role("admin")
    visit("staff-account-admin", f"/staff/accounts/{seeded['agent']}")  # a staff account, as an admin sees it
    as_role("content")
    visit("help-console", "/staff/help")
    visit("help-edit", "/staff/help/forgot-password/zh")
    visit("help-history", "/staff/help/forgot-password/zh/history")
    visit("help-revision", f"/staff/help/revisions/{seeded['revision']}")
    visit("help-report", "/staff/help/report")
    return findings


@pytest.mark.parametrize(("locale", "browser_locale"), [("en", "en-US"), ("zh_Hans", "zh-CN")])
def test_every_console_page_fits_logs_no_error_and_passes_axe(live_server, browser, capsys, locale, browser_locale):
    app, base_url = live_server
    started = time.monotonic()
    seeded = _seed(app, locale)
    shots = os.environ.get("RECOVERY_SCREENSHOTS")
    checker = PageChecker(browser, sizes=SIZES, locale=browser_locale, axe=axe_source(),
                          screenshots=Path(shots) / f"console-{locale}" if shots else None)
    try:
        findings = _walk(checker, app, base_url, seeded)
    finally:
        checker.close()
    _assert_every_console_page_walked(app, checker.checked_urls)
    problems = [problem for f in findings if f.page not in KNOWN_CONSOLE_FAILURES for problem in f.problems()]
    known = [problem for f in findings if f.page in KNOWN_CONSOLE_FAILURES for problem in f.problems()]
    with capsys.disabled():
        _report(locale, findings, known, time.monotonic() - started)
    assert problems == [], "\n".join(problems)


def _assert_every_console_page_walked(app, urls: list[str]) -> None:
    adapter = app.url_map.bind("localhost")
    walked = {adapter.match(urlsplit(url).path, method="GET")[0] for url in urls if _matches(adapter, url)}
    pages = {rule.endpoint for rule in app.url_map.iter_rules()
             if "GET" in (rule.methods or ()) and rule.rule.startswith("/staff")}
    assert pages - walked - set(NOT_WALKED) == set(), "walk these pages in tests/browser/test_console_pages.py"
    assert set(NOT_WALKED) <= pages, "NOT_WALKED names a page that no longer exists"


def _matches(adapter, url: str) -> bool:
    try:
        adapter.match(urlsplit(url).path, method="GET")
    except HTTPException:
        return False
    return True


def _report(locale: str, findings: list, known: list[str], seconds: float) -> None:
    by_page: dict[str, list[str]] = {}
    for f in findings:
        by_page.setdefault(f.page, []).append(f"{f.size}px {len(f.violations)}/{len(f.blocking)}"
                                              + (f" scroll {f.overflow_px}px" if f.overflow_px else ""))
    lines = [f"axe {locale} {page}: " + ", ".join(counts) for page, counts in by_page.items()]
    lines += [f"KNOWN (other branches) {locale}: {problem}" for problem in known]
    print("\n" + "\n".join(lines) + f"\nconsole walk {locale}: {len(by_page)} pages x {len(SIZES)} sizes in "
          f"{seconds:.1f} s (violations all/serious+critical)", flush=True)
