"""In headless Chromium: set up TOTP by reading the secret from the page, sign out, sign in with the password and
a code; then sign in with a recovery code."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from recovery.accounts import service as accounts
from recovery.web.context import app_service_context, runtime

pytestmark = pytest.mark.browser

EMAIL = "mfa.user@example.com"
PASSWORD = "lantern orchard velvet compass"


def _verified_account(app) -> None:
    with app.app_context(), runtime(app).db.transaction() as session:
        ctx = app_service_context(app, session)
        accounts.sign_up(ctx, EMAIL, PASSWORD)
        accounts.get_user_by_email(ctx, EMAIL).email_verified_at = ctx.clock.now()


def _sign_in_with_password(page, base_url) -> None:
    page.goto(f"{base_url}/signin")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _sign_out(page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()


def _enroll(page, app, base_url) -> tuple[str, list[str]]:
    """From the security page to recovery codes; returns the secret read from the page and the codes."""
    page.get_by_role("link", name="Set up two-step verification").click()
    page.get_by_role("button", name="Show my QR code").click()
    page.wait_for_url(f"{base_url}/security/mfa/setup/confirm")
    assert page.locator("figure svg").count() == 1 and page.locator("img").count() == 0
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).at(runtime(app).clock.now()))
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    return secret, codes


def test_enroll_then_sign_in_with_password_and_code(live_server, page):
    app, base_url = live_server
    _verified_account(app)
    _sign_in_with_password(page, base_url)
    page.wait_for_url(f"{base_url}/security")
    secret, codes = _enroll(page, app, base_url)
    assert len(codes) == 10 and all(re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", code) for code in codes)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download").click()
    download = download_info.value
    assert download.suggested_filename == "recovery-codes.txt"
    saved = open(download.path(), encoding="utf-8").read()
    assert all(code in saved for code in codes)

    page.get_by_role("link", name="I have saved them: back to my security page").click()
    _sign_out(page)
    _sign_in_with_password(page, base_url)
    page.wait_for_url(re.compile(r".*/signin/second-factor.*"))
    assert not [c for c in page.context.cookies() if c["name"] == "recovery_session"]
    runtime(app).clock.advance(seconds=30)  # the enrollment used this time step; a code works once per step
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(runtime(app).clock.now()))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/security")
    expect(page.get_by_text("Recovery codes left: 10.")).to_be_visible()


def test_sign_in_with_a_recovery_code(live_server, page, mailbox):
    app, base_url = live_server
    _verified_account(app)
    _sign_in_with_password(page, base_url)
    page.wait_for_url(f"{base_url}/security")
    _secret, codes = _enroll(page, app, base_url)
    page.goto(f"{base_url}/security")
    _sign_out(page)

    _sign_in_with_password(page, base_url)
    page.get_by_label("Code").fill(codes[3].lower())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/security")
    expect(page.get_by_text("Recovery codes left: 9.")).to_be_visible()
    notice = mailbox(app, EMAIL)
    assert notice["subject"] == "A recovery code was used to sign in" and codes[3] not in notice["text"]

    _sign_out(page)
    _sign_in_with_password(page, base_url)
    page.get_by_label("Code").fill(codes[3])
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "That code is not correct."
