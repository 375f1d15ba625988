"""A person who forgot their password asks for a link, opens it from the mailbox, sets a new one, signs in."""

from __future__ import annotations

import re

import pytest
from helpers.people import NEW_PASSWORD, add_user
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
EMAIL = "grace@example.com"


def test_reset_flow_request_link_set_password_and_sign_in(live_server, page, mailbox):
    app, base_url = live_server
    add_user(app, EMAIL, password="the one she forgot, long ago")

    page.goto(f"{base_url}/forgot")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    mail = mailbox(app, EMAIL)
    assert mail["subject"] == "Reset your password"
    [link] = [url for url in mail["links"] if "/reset/" in url]
    assert link.startswith(f"{base_url}/reset/")

    page.goto(link)
    expect(page).to_have_url(f"{base_url}/reset")  # the token left the address bar
    expect(page.get_by_text("g•••@example.com")).to_be_visible()
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_role("heading", name="Your password has been changed")).to_be_visible()

    page.goto(link)  # the same link a second time
    expect(page.get_by_role("heading", name="This password reset link has already been used.")).to_be_visible()

    page.get_by_role("link", name="Back to sign in").click()
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/security$"))
    expect(page.get_by_role("heading", name="Security", exact=True)).to_be_visible()
