"""The alerts console in the browser, in English and Chinese: a note being typed survives the console's update (a
new alert arrives while the analyst types: the offer of new alerts appears and the note is intact), the page fits
1280, 1024 and 390 px without sideways scroll, logs no console error, and axe finds nothing serious or critical.

The page's timers run on Playwright's clock (installed before the page loads), so the poll happens when the test
moves that clock on: no sleep. With RECOVERY_SCREENSHOTS=<dir> the pages are saved as PNGs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers.console import sideways_scroll, sign_in_context, staff_member
from helpers.database import unit_of_work
from helpers.pagecheck import PageChecker, axe_source
from helpers.people import add_user
from playwright.sync_api import expect

from recovery.alerts import service as alerts
from recovery.sessions.service import start_session

pytestmark = pytest.mark.browser
SIZES = {"1280": (1280, 800), "1024": (1024, 768), "390": (390, 844)}
NOTE = "Checked the sign-in log: not the owner's network · 不是本人的网络"
TEXTS = {"en": {"offer": "1 new alert:", "show": "Show", "acknowledge": "Acknowledge", "note": "Note"},
         "zh_Hans": {"offer": "1 条新警报：", "show": "显示", "acknowledge": "确认收到", "note": "备注"}}


def _seed(app, locale: str) -> int:
    owner = add_user(app, "mei@example.com", locale=locale).id
    with unit_of_work(app) as ctx:
        start_session(ctx, owner, kind="browser")
        alerts.raise_alert(ctx, rule="brute_force", severity="medium", user_id=owner,
                           evidence={"failures": 12, "locks": 3, "disabled": False, "ip": "203.0.113.7"})
        first = alerts.raise_alert(ctx, rule="signin_blocked", severity="high", user_id=owner, source="203.0.113.7",
                                   evidence={"score": 130, "reasons": ["new_device", "new_country"],
                                             "country": "DE", "device": "Firefox 128 · Ubuntu"})
        for _ in range(2):
            alerts.raise_alert(ctx, rule="signin_blocked", severity="high", user_id=owner, source="203.0.113.7")
        alerts.raise_alert(ctx, rule="credential_stuffing", severity="critical", source="198.51.100.0/24",
                           evidence={"ip_accounts": 40, "network_accounts": 55, "network": "198.51.100.0/24",
                                     "asn": "Example Hosting", "country": "NL"})
        return first.id


@pytest.mark.parametrize(("locale", "browser_locale"), [("en", "en-US"), ("zh_Hans", "zh-CN")])
def test_a_note_being_typed_survives_the_console_update(live_server, browser, capsys, locale, browser_locale):
    app, base_url = live_server
    texts = TEXTS[locale]
    alert_id = _seed(app, locale)
    analyst = staff_member(app, "analyst@example.com", "security", locale=locale)
    shots = os.environ.get("RECOVERY_SCREENSHOTS")
    checker = PageChecker(browser, sizes=SIZES, locale=browser_locale, axe=axe_source(),
                          screenshots=Path(shots) / locale if shots else None)
    page = checker.page
    try:
        sign_in_context(checker.context, app, base_url, analyst)
        page.clock.install()
        page.goto(f"{base_url}/staff/alerts")
        card = page.locator(f"#alert-{alert_id}")
        expect(card.get_by_role("button", name=texts["acknowledge"], exact=True)).to_be_visible()
        note = card.get_by_label(texts["note"], exact=True)
        note.click()
        note.press_sequentially(NOTE[:20])
        with unit_of_work(app) as ctx:  # a new alert arrives while the analyst types
            alerts.raise_alert(ctx, rule="account_reported_stolen", severity="high", source=None,
                               user_id=add_user(app, "li@example.com", locale=locale).id,
                               evidence={"source": "email_button", "ip": "192.0.2.4"})
        page.clock.fast_forward("00:35")  # past the poll's interval (30 s): the page asks for the count
        offer = page.locator("#alert-updates p")
        expect(offer).to_be_visible()
        expect(offer).to_contain_text(texts["offer"])
        expect(offer.get_by_role("link", name=texts["show"])).to_be_visible()
        note.press_sequentially(NOTE[20:])  # still typing after the offer appeared
        expect(note).to_have_value(NOTE)
        expect(note).to_be_focused()
        findings = checker.check("alerts-console-offer")
        assert sideways_scroll(page, 1024, 768) == 0
        assert sideways_scroll(page, 1280) == 0
        expect(note).to_have_value(NOTE)  # resizing and the checks left it alone too
        offer.get_by_role("link", name=texts["show"]).click()  # the analyst chooses to load the new list
        expect(page.locator(".record")).to_have_count(4)
        findings += checker.check("alerts-console-shown")
    finally:
        checker.close()
    problems = [problem for finding in findings for problem in finding.problems()]
    with capsys.disabled():
        print("\n" + "\n".join(f"axe {locale} {f.page} {f.size}px: {len(f.violations)}/{len(f.blocking)}"
                               for f in findings), flush=True)
    assert problems == [], "\n".join(problems)
