"""The console's ticket page as two agents work it, in English and Chinese: a half-typed reply survives a macro
insert and a walk to the queue and back, the collision warning reaches both agents (two browser contexts), the
second agent approves the first one's proposal, and the page fits 1280, 1024 and 390 px with no serious or
critical axe finding, with a proposal pending and without.

With RECOVERY_SCREENSHOTS=<dir> each checked state is saved as full-page PNGs, one per size.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers.database import rows, unit_of_work
from helpers.pagecheck import PageChecker, axe_source
from helpers.people import PASSWORD, add_user
from playwright.sync_api import expect

from recovery.accounts.models import User
from recovery.tickets import service as tickets
from recovery.tickets.notes import FROM_ALERT, note

pytestmark = pytest.mark.browser
SIZES = {"1280": (1280, 900), "1024": (1024, 800), "390": (390, 844)}
HALF_TYPED = "Hello Mei, I am looking at your account right n"


def _seed(app, locale: str) -> tuple[int, int]:
    """The appeal the agents work (with a note the service wrote into it) and the account's case in the security
    queue, which an agent's side pane names without its subject or a link."""
    user = add_user(app, "mei@example.com", status="banned", reason="reported for spam", locale=locale)
    with unit_of_work(app) as ctx:
        ticket = tickets.open_ticket(ctx, category="unblock_appeal", user_id=user.id,
                                     subject="Appeal: My account was banned by mistake",
                                     message="I never sent spam; someone reported the wrong account.",
                                     source="appeal")
        ticket.locale = locale
        tickets.add_system_note(ctx, ticket, note(FROM_ALERT, alert=7, severity="High", count=3))
        case = tickets.open_ticket(ctx, category="other", user_id=user.id, subject="Takeover from 203.0.113.9",
                                   message="m", source="staff", queue="security")
        return ticket.id, case.id


def _agent(browser, app, base_url: str, email: str, locale: str, shots: Path | None) -> PageChecker:
    """A signed-in agent whose console is in `locale` (their account's language) in a browser context of its own."""
    phone = add_user(app, email, role="agent", locale=locale).phone
    checker = PageChecker(browser, sizes=SIZES, locale=locale.replace("_Hans", "-CN"), axe=axe_source(),
                          screenshots=shots)
    page = checker.page
    page.goto(f"{base_url}/signin")
    page.fill("form[action$='/signin'] input[name=email]", email)
    page.fill("form[action$='/signin'] input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form[action$='/signin'] button[type=submit]")
    page.fill("input[name=code]", phone.code())
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    return checker


def _problems(findings) -> list[str]:
    return [problem for finding in findings for problem in finding.problems()]


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_two_agents_work_a_ticket_draft_macro_collision_and_approval(live_server, browser, locale):
    app, base_url = live_server
    shots = Path(os.environ["RECOVERY_SCREENSHOTS"]) / locale if os.environ.get("RECOVERY_SCREENSHOTS") else None
    ticket_id, case_id = _seed(app, locale)
    url = f"{base_url}/staff/tickets/{ticket_id}"
    first = _agent(browser, app, base_url, "ana@example.com", locale, shots)
    second = None
    try:
        page = first.page
        page.goto(url)
        assert page.locator("html").get_attribute("lang").startswith(locale[:2])
        # The service's note in the page's language; the security case named, not shown or linked.
        expect(page.locator(".ticket-thread")).to_contain_text(
            "由警报 7 开启（严重程度：高；出现次数：3）。" if locale == "zh_Hans" else
            "Opened from alert 7 (severity: High; occurrences: 3).")
        assert page.locator(f"a[href$='/staff/tickets/{case_id}']").count() == 0
        assert "Takeover" not in page.inner_text("main")
        findings = first.check("ticket")

        # Keyboard shortcuts: c claims, ? shows them, r and n go to the boxes, never while typing in one.
        with page.expect_navigation():
            page.keyboard.press("c")
        assert page.locator("#claim-form").count() == 0  # the agent owns it now: nothing left to claim
        page.keyboard.press("?")
        expect(page.locator("#shortcuts")).to_have_attribute("open", "")
        page.keyboard.press("r")
        expect(page.locator("#reply-body")).to_be_focused()
        page.keyboard.press("n")  # typed into the reply box, not a shortcut
        expect(page.locator("#reply-body")).to_be_focused()
        page.keyboard.press("Escape")
        page.keyboard.press("n")
        expect(page.locator("#note-body")).to_be_focused()
        page.keyboard.press("Escape")

        # A half-typed reply, then a canned response inserted in place: nothing reloads, nothing is lost.
        assert page.input_value("#reply-body") == "n"
        page.fill("#reply-body", HALF_TYPED)
        page.select_option("#macro", "acknowledge")
        page.click("#macro-insert")
        typed = page.input_value("#reply-body")
        assert typed.startswith(HALF_TYPED) and f"#{ticket_id}" in typed and typed != HALF_TYPED
        assert page.url == url
        expect(page.locator("#reply-draft-state")).not_to_be_empty()  # the draft is saved
        page.locator("#reply-body").blur()
        with page.expect_navigation():
            page.keyboard.press("j")  # the next ticket: none, so the queue; then back, and the draft is still there
        assert page.url.endswith("/staff/tickets")
        page.goto(url)
        assert page.input_value("#reply-body") == typed

        # The first agent proposes lifting the ban; it waits for a second person.
        page.fill("#grant-reason", "The reports were about another account")
        with page.expect_navigation():
            page.click("#grant-form button[type=submit]")
        expect(page.locator("#four-eyes form[action$='/proposal/withdraw']")).to_be_visible()
        assert page.locator("#four-eyes form[action$='/proposal/approve']").count() == 0
        findings += first.check("ticket-proposal-mine")

        # The second agent finds it in the "needs my approval" view and opens it from there: the first one is
        # viewing; Approve and Reject are offered.
        second = _agent(browser, app, base_url, "bo@example.com", locale, shots)
        other = second.page
        other.goto(f"{base_url}/staff/tickets?view=approval")
        with other.expect_navigation():
            other.click(f"a[href$='/staff/tickets/{ticket_id}']")
        assert other.url == url
        expect(other.locator("#collision-viewing")).to_contain_text("ana@example.com")
        expect(other.locator("#four-eyes form[action$='/proposal/approve'] button")).to_be_visible()
        findings += second.check("ticket-proposal-theirs")

        # The first agent's page learns of the second (the script asks when the window gets focus) ...
        page.evaluate("window.dispatchEvent(new Event('focus'))")
        expect(page.locator("#collision-viewing")).to_contain_text("bo@example.com")
        # ... and of the note the second agent writes meanwhile.
        other.fill("#note-body", "Checked the spam reports: another account.")
        with other.expect_navigation():
            other.click("#note-form button[type=submit]")
        page.evaluate("window.dispatchEvent(new Event('focus'))")
        expect(page.locator("#collision-written")).to_contain_text("bo@example.com")
        expect(page.locator("#collision")).to_be_visible()

        # The second agent approves: the decision is carried out, the ban lifted.
        with other.expect_navigation():
            other.click("#four-eyes form[action$='/proposal/approve'] button")
        assert other.locator("#four-eyes").count() == 0
        findings += second.check("ticket-approved")
        assert rows(app, User, email="mei@example.com")[0].status == "active"
    finally:
        first.close()
        if second is not None:
            second.close()
    assert _problems(findings) == []
