"""In headless Chromium: sign up, verify the address from the emailed link, sign in, sign out."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "lantern orchard velvet compass"


def test_sign_up_verify_sign_in_and_sign_out(live_server, page, mailbox, caplog):
    app, base_url = live_server
    email = "browser.user@example.com"

    page.goto(f"{base_url}/signup")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    message = mailbox(app, email)
    verify_link = next(link for link in message["links"] if "/verify-email" in link)
    assert verify_link.startswith(base_url)
    page.goto(verify_link)
    page.get_by_label("Password").fill(PASSWORD)  # the creator's password: the verifier is the creator
    page.get_by_role("button", name="Verify my email address").click()

    page.goto(f"{base_url}/signin")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/security")
    assert email in page.content()
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert cookies["recovery_session"]["httpOnly"] and cookies["recovery_session"]["sameSite"] == "Lax"

    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    page.goto(f"{base_url}/security")
    assert "/signin" in page.url

    code = parse_qs(urlsplit(verify_link).query)["code"][0]
    assert not [record for record in caplog.records if code in record.getMessage()], "a code reached a log line"


def test_sign_in_with_a_wrong_password_shows_the_same_error_as_an_unknown_email(live_server, page):
    _app, base_url = live_server
    messages = []
    for email in ("nobody@example.com", "someone.else@example.com"):
        page.goto(f"{base_url}/signin")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill("not the right password at all")
        page.get_by_role("button", name="Sign in").click()
        messages.append(page.get_by_role("alert").inner_text())
    assert messages[0] == messages[1] == "The email or password is incorrect."


def test_pages_switch_to_chinese(live_server, page):
    _app, base_url = live_server
    page.goto(f"{base_url}/signin")
    page.get_by_role("link", name="简体中文").click()
    expect(page.get_by_role("heading", name="登录", exact=True)).to_be_visible()
