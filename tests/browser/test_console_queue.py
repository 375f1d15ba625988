"""The agents' queue in a browser, in both languages: the "needs my approval" view shows another agent's proposal
(who proposed it, marked in every view), two tickets claimed at once with the one bulk form, every queue page
without sideways scrolling at 1024 and 390 px and without a serious or critical axe-core finding."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers.console import sign_in_context
from helpers.database import unit_of_work
from helpers.pagecheck import PageChecker, axe_source
from helpers.people import add_user

from recovery.accounts.models import User
from recovery.context import Actor
from recovery.tickets import decisions
from recovery.tickets import service as tickets
from recovery.tickets.models import Ticket

pytestmark = pytest.mark.browser

SIZES = {"1280": (1280, 800), "1024": (1024, 768), "390": (390, 844)}
SHOTS = os.environ.get("RECOVERY_SCREENSHOTS")  # a directory to keep the pages' screenshots in (never the repo)
WORDS = {"en": {"awaiting": "Awaiting approval", "claimed": "You own 2 tickets now.", "claim": "Claim them"},
         "zh_Hans": {"awaiting": "等待批准", "claimed": "您现在负责 2 个工单。", "claim": "认领"}}


def _seed(app, locale: str) -> dict:
    proposer = add_user(app, "first@example.com", role="agent", locale=locale)
    viewer = add_user(app, "second@example.com", role="agent", locale=locale)
    banned = add_user(app, "ada@example.com", status="banned", reason="fraud", locale=locale)
    ids = []
    with unit_of_work(app) as ctx:
        ctx.locale = locale
        ids.append(tickets.open_ticket(ctx, category="unblock_appeal", user_id=banned.id, priority=2,
                                       queue="support-l1",
                                       subject="Appeal: My account was banned by mistake", message="Not me.",
                                       source="appeal").id)
        for n in range(2):
            other = ctx.session.get(User, add_user(app, f"user{n}@example.com", status="locked").id)
            ids.append(tickets.open_ticket(ctx, category="unblock_appeal", user_id=other.id, priority=3,
                                           subject="Appeal: My account is locked", message="Locked.",
                                           source="appeal").id)
    with unit_of_work(app, Actor("staff", proposer.id, "198.51.100.7")) as ctx:
        made = decisions.decide(ctx, ctx.session.get(Ticket, ids[0]), ctx.session.get(User, proposer.id),
                                outcome="granted", reason="Mistaken identity")
        assert made.status == "pending"
    return {"viewer": viewer.id, "proposal": ids[0], "others": ids[1:]}


@pytest.mark.parametrize(("locale", "browser_locale"), [("en", "en-US"), ("zh_Hans", "zh-CN")])
def test_an_agent_works_the_queue_in_a_browser(live_server, browser, locale, browser_locale):
    app, base_url = live_server
    seeded = _seed(app, locale)
    words = WORDS[locale]
    shots = Path(SHOTS) / locale if SHOTS else None
    checker = PageChecker(browser, sizes=SIZES, locale=browser_locale, axe=axe_source(), screenshots=shots)
    findings = []
    try:
        sign_in_context(checker.context, app, base_url, seeded["viewer"])
        page = checker.page

        page.goto(f"{base_url}/staff/tickets?view=approval")
        findings += checker.check("queue-approval")
        rows = page.locator("tbody tr")
        assert rows.count() == 1
        row_text = rows.first.inner_text()
        assert words["awaiting"] in row_text and "first@example.com" in row_text
        assert page.locator(f"tbody a[href$='/staff/tickets/{seeded['proposal']}']").count() == 1
        _no_sideways_scroll(page, 1024)

        for view in ("all", "mine", "unassigned", "breaching", "stolen"):
            page.goto(f"{base_url}/staff/tickets?view={view}")
            findings += checker.check(f"queue-{view}")
            _no_sideways_scroll(page, 1024)
        page.goto(f"{base_url}/staff/tickets/queues")
        findings += checker.check("queues")
        _no_sideways_scroll(page, 1024)

        page.goto(f"{base_url}/staff/tickets?view=unassigned")
        for ticket_id in seeded["others"]:
            page.check(f"input[name=ticket_ids][value='{ticket_id}']")
        with page.expect_navigation():
            page.get_by_role("button", name=words["claim"], exact=True).click()
        assert words["claimed"] in page.inner_text("main")
        findings += checker.check("queue-after-claim")
        with unit_of_work(app) as ctx:
            owners = {ctx.session.get(Ticket, i).owner_id for i in seeded["others"]}
        assert owners == {seeded["viewer"]}
    finally:
        checker.close()
    problems = [problem for finding in findings for problem in finding.problems()]
    assert problems == [], "\n".join(problems)


def _no_sideways_scroll(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 768})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px at {width} px"
