"""Help in both languages, in a real browser: the guided flow from the home page to each destination, the assistant
answering a reset question with the reset button (live, through its script), a stolen-account conversation handed
off to a P1 ticket whose transcript a security agent reads on the staff ticket page, and deflection beside the
appeal form ("This solved it": counted, no code sent, no ticket), with and without JavaScript."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from helpers.database import rows, unit_of_work
from helpers.people import PASSWORD, add_user
from playwright.sync_api import expect

from recovery.assistant.models import Deflection
from recovery.help.content import import_content
from recovery.tickets.models import IntakeChallenge, Ticket

pytestmark = pytest.mark.browser
LOCALES = [("en", "en-US"), ("zh_Hans", "zh-CN")]
_SHOTS_DIR = os.environ.get("RECOVERY_SCREENSHOTS")  # screenshots only when asked for, as in test_pages.py
SHOTS = Path(_SHOTS_DIR) / "flows" if _SHOTS_DIR else None
# The answers' positions on each step (1: yes, 2: no) from the home page to each destination.
ROUTES = {
    "secure (signed in, a sign-in I did not make)": (["start-1", "signed-in-1"], r"/secure-account$"),
    "assistant (signed in, nothing of the above)": (["start-1", "signed-in-2"], r"/help/assistant$"),
    "appeal (locked or banned)": (["start-2", "locked-1"], r"/appeal\?reason=account_locked$"),
    "secure (someone else got in)": (["start-2", "locked-2", "taken-1"], r"/secure-account$"),
    "recover (no email)": (["start-2", "locked-2", "taken-2", "email-2"], r"/recover$"),
    "reset (no second factor)": (["start-2", "locked-2", "taken-2", "email-1", "factor-2"], r"/forgot$"),
    "reset (still has the phone)": (["start-2", "locked-2", "taken-2", "email-1", "factor-1", "phone-1"],
                                    r"/forgot$"),
    "recovery codes": (["start-2", "locked-2", "taken-2", "email-1", "factor-1", "phone-2", "codes-1"],
                       r"/signin$"),
    "appeal (second factor lost)": (["start-2", "locked-2", "taken-2", "email-1", "factor-1", "phone-2", "codes-2"],
                                    r"/appeal\?reason=lost_second_factor$"),
}
WORDS = {
    "en": {"reset": "I forgot my password", "again": "how do I reset my password", "stolen": "my account was hacked",
           "handed": "A person on our support team has your conversation", "appeal_message": "I forgot my password",
           "solved": "This solved it", "glad": "Glad that helped", "send_code": "Send me a code",
           "before": "Before you send: these may help"},
    "zh_Hans": {"reset": "忘记密码了", "again": "怎么重置密码", "stolen": "我的号被盗了",
                "handed": "客服团队的工作人员已接手您的对话", "appeal_message": "我忘记密码了",
                "solved": "问题已解决", "glad": "很高兴能帮到您", "send_code": "给我发送验证码",
                "before": "发送之前：这些内容可能有帮助"},
}


def _context(browser, browser_locale: str, *, javascript: bool = True):
    context = browser.new_context(locale=browser_locale, extra_http_headers={"Accept-Language": browser_locale},
                                  java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    return context


def _shot(page, name: str) -> None:
    if SHOTS is None:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize(("locale", "browser_locale"), LOCALES)
def test_the_guided_flow_leads_from_the_home_page_to_each_destination(live_server, browser, locale,
                                                                      browser_locale):
    app, base_url = live_server
    context = _context(browser, browser_locale)
    page = context.new_page()
    try:
        for name, (answers, destination) in ROUTES.items():
            page.goto(f"{base_url}/")
            page.locator("[data-guide-start]").click()
            expect(page).to_have_url(f"{base_url}/help/start")
            for answer in answers:
                if locale == "zh_Hans":
                    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
                page.locator(f'[data-guide-answer="{answer}"]').click()
            assert re.search(destination, page.url), f"{name}: landed on {page.url}"
        page.goto(f"{base_url}/help/start/codes")
        page.locator("a.button.secondary").click()  # the back link
        expect(page).to_have_url(f"{base_url}/help/start/phone")
        _shot(page, f"guide-{locale}")
    finally:
        context.close()


@pytest.mark.parametrize(("locale", "browser_locale"), LOCALES)
def test_the_assistant_answers_a_reset_question_with_the_reset_button(live_server, browser, locale, browser_locale):
    app, base_url = live_server
    with unit_of_work(app) as ctx:
        import_content(ctx)
    words = WORDS[locale]
    context = _context(browser, browser_locale)
    page = context.new_page()
    try:
        page.goto(f"{base_url}/help/assistant")
        page.locator("[data-assistant-form] textarea[name=message]").fill(words["reset"])
        page.locator("[data-assistant-form] button[type=submit]").click()
        reset = page.locator('[data-conversation] a[data-action="reset"]')
        expect(reset).to_be_visible()
        expect(reset).to_have_attribute("href", "/forgot")
        url = page.url
        # The next message goes through the script: the reply appears without a new page.
        page.locator("[data-assistant-form] textarea[name=message]").fill(words["again"])
        page.locator("[data-assistant-form] button[type=submit]").click()
        expect(page.locator("[data-conversation] article")).to_have_count(4)
        assert page.url == url
        expect(page.locator('[data-conversation] a[data-action="reset"]')).to_have_count(2)
        _shot(page, f"assistant-reset-{locale}")
        reset.last.click()
        expect(page).to_have_url(f"{base_url}/forgot")
    finally:
        context.close()


def _sign_in(page, base_url: str, email: str, phone=None) -> None:
    page.goto(f"{base_url}/signin")
    page.locator("form[action$='/signin'] input[name=email]").fill(email)
    page.locator("form[action$='/signin'] input[name=password]").fill(PASSWORD)
    page.locator("form[action$='/signin'] button[type=submit]").click()
    if phone is not None:
        page.locator("input[name=code]").fill(phone.code())
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url(re.compile(r"^(?!.*second-factor).*$"))


@pytest.mark.parametrize(("locale", "browser_locale"), LOCALES)
def test_a_stolen_account_conversation_is_handed_off_and_the_agent_reads_the_transcript(live_server, browser,
                                                                                         locale, browser_locale):
    app, base_url = live_server
    words = WORDS[locale]
    add_user(app, "mei@example.com", password=PASSWORD, locale=locale)
    security = add_user(app, "sec@example.com", role="security")
    context = _context(browser, browser_locale)
    page = context.new_page()
    try:
        _sign_in(page, base_url, "mei@example.com")
        page.goto(f"{base_url}/help/assistant")
        page.locator("[data-assistant-form] textarea[name=message]").fill(words["stolen"])
        page.locator("[data-assistant-form] button[type=submit]").click()
        expect(page.get_by_role("heading", name=words["handed"])).to_be_visible()
        expect(page.locator('[data-conversation] a[data-action="secure"]')).to_be_visible()  # offered at once
        _shot(page, f"assistant-handed-off-{locale}")
        [ticket] = rows(app, Ticket)
        assert (ticket.category, ticket.priority, ticket.queue) == ("stolen_account", 1, "security")
        page.locator("#handed-off a.button").click()
        expect(page.get_by_text(words["stolen"])).to_be_visible()  # the status page carries the conversation on
    finally:
        context.close()
    staff = _context(browser, "en-US")
    agent = staff.new_page()
    try:
        _sign_in(agent, base_url, "sec@example.com", security.phone)
        agent.goto(f"{base_url}/staff/tickets/{ticket.id}")
        expect(agent.get_by_role("heading", name="Conversation with the assistant")).to_be_visible()
        transcript = agent.locator("section.transcript")
        expect(transcript.get_by_text(words["stolen"])).to_be_visible()
        expect(transcript.locator("article")).to_have_count(2)
        expect(transcript.locator(".badge").first).to_have_text("Stolen account")  # the intent in words, not "stolen"
        _shot(agent, f"staff-transcript-{locale}")
    finally:
        staff.close()


@pytest.mark.parametrize(("locale", "browser_locale"), LOCALES)
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_deflection_beside_the_appeal_form(live_server, browser, locale, browser_locale, javascript):
    app, base_url = live_server
    with unit_of_work(app) as ctx:
        import_content(ctx)
    add_user(app, "mei@example.com", password=PASSWORD, locale=locale, status="locked", reason="testing")
    words = WORDS[locale]
    context = _context(browser, browser_locale, javascript=javascript)
    page = context.new_page()
    try:
        page.goto(f"{base_url}/appeal")
        page.locator("input[name=email]").fill("mei@example.com")
        page.locator("textarea[name=message]").fill(words["appeal_message"])
        aside = page.locator("aside.deflect")
        if javascript:  # suggested as the person types
            expect(aside).to_be_visible()
        else:  # the submit-preview step
            page.get_by_role("button", name=words["send_code"]).click()
        expect(page.get_by_role("heading", name=words["before"])).to_be_visible()
        expect(aside.locator("li").first).to_be_visible()
        _shot(page, f"deflect-appeal-{locale}-{'js' if javascript else 'no-js'}")
        aside.get_by_role("button", name=words["solved"]).first.click()
        expect(page.get_by_role("heading", name=words["glad"])).to_be_visible()
    finally:
        context.close()
    assert [d.form for d in rows(app, Deflection)] == ["appeal"]
    assert rows(app, IntakeChallenge) == [] and rows(app, Ticket) == []
