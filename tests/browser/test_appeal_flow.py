"""A banned person appeals with a code from their mailbox; two agents approve it from the console (lifting a ban
takes four eyes); the person signs in again."""

from __future__ import annotations

import re

import pytest
from helpers.people import PASSWORD, add_user
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
EMAIL = "mei@example.com"


def _add(app, phones: dict, email: str, **kwargs) -> None:
    """An account as a row; staff have TOTP enrolled, their phone kept in `phones` for the second step."""
    added = add_user(app, email, **kwargs)
    if added.phone is not None:
        phones[email] = added.phone


def _sign_in(page, base_url: str, email: str, phones: dict) -> None:
    page.goto(f"{base_url}/signin")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if email in phones:  # staff: the second step of sign-in
        page.get_by_label("Code").fill(phones[email].code())
        page.get_by_role("button", name="Sign in").click()


def _approve(browser, base_url: str, phones: dict, agent: str, ticket_heading: str, expected_flash: str) -> None:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    try:
        _sign_in(page, base_url, agent, phones)
        page.goto(f"{base_url}/staff/tickets")
        page.get_by_role("link", name=re.compile("Appeal: My account was banned by mistake")).click()
        expect(page.get_by_role("heading", name=ticket_heading)).to_be_visible()
        expect(page.get_by_role("heading", name="Account security timeline")).to_be_visible()
        if page.locator("#four-eyes").count():  # a proposal waits: the second person reads it and approves it
            expect(page.locator("#four-eyes")).to_contain_text("The reports were about another account")
            page.locator("#four-eyes form[action$='/proposal/approve'] button").click()
        else:
            grant = page.locator("form", has=page.get_by_role("button", name="Grant", exact=True))
            grant.get_by_label("Reason (the requester sees it)").fill("The reports were about another account")
            grant.get_by_role("button", name="Grant", exact=True).click()
        expect(page.get_by_text(expected_flash)).to_be_visible()
    finally:
        context.close()


def test_banned_user_appeals_agents_approve_and_the_user_signs_in(live_server, page, mailbox, browser):
    app, base_url = live_server
    phones: dict = {}  # staff email -> their authenticator
    _add(app, phones, EMAIL, status="banned", reason="reported for spam")
    _add(app, phones, "agent1@example.com", role="agent")
    _add(app, phones, "agent2@example.com", role="agent")

    _sign_in(page, base_url, EMAIL, phones)
    expect(page.get_by_text("This account is banned")).to_be_visible()

    page.get_by_role("link", name="Appeal or ask for help").click()
    expect(page.get_by_label("Your account's email address")).to_have_value(EMAIL)
    page.get_by_label("What happened?").select_option("banned_by_mistake")
    page.get_by_label("Tell us more").fill("I never sent spam; someone reported the wrong account.")
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("heading", name="Confirm your appeal")).to_be_visible()

    code = re.search(r"\b(\d{8})\b", mailbox(app, EMAIL)["text"]).group(1)
    page.get_by_label("Code from the email").fill(code)
    page.get_by_role("button", name="Send my appeal").click()
    expect(page.get_by_role("heading", name=re.compile(r"Request #\d+"))).to_be_visible()
    ticket_id = re.search(r"Request #(\d+)", page.get_by_role("heading", level=1).inner_text()).group(1)
    status_url = page.url

    heading = re.compile(rf"#{ticket_id} Appeal")
    _approve(browser, base_url, phones, "agent1@example.com", heading,
             "Decision recorded. A second staff member must approve it.")
    _approve(browser, base_url, phones, "agent2@example.com", heading, "Approved: the decision is carried out.")

    decision = mailbox(app, EMAIL)
    assert decision["subject"] == f"A decision on your request #{ticket_id}"
    assert "The reports were about another account" in decision["text"]
    page.goto(status_url)
    expect(page.get_by_text("Granted", exact=True)).to_be_visible()

    _sign_in(page, base_url, EMAIL, phones)
    expect(page).to_have_url(re.compile(r"/security$"))
