"""A sign-in from a new device emails the owner; "No, secure my account" locks the account and shows the ticket."""

from __future__ import annotations

import re

import pytest
from helpers.csrf import csrf_from
from helpers.database import rows
from helpers.people import add_user
from playwright.sync_api import expect

from recovery.accounts.models import User
from recovery.tickets.models import Ticket

pytestmark = pytest.mark.browser
EMAIL = "grace@example.com"
PASSWORD = "a sturdy passphrase for the browser test"


def _usual_signin(app) -> None:
    """Her usual browser signed in before (another cookie jar): the history the new device is compared with."""
    client = app.test_client()
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    assert client.post("/signin", data={"csrf_token": token, "email": EMAIL, "password": PASSWORD}).status_code == 302


def _row(app, model, **where):
    (row,) = rows(app, model, **where)  # exactly one
    return row


def test_new_device_email_then_secure_my_account_locks_and_shows_the_ticket(live_server, page, mailbox):
    app, base_url = live_server
    add_user(app, EMAIL, password=PASSWORD)
    _usual_signin(app)

    page.goto(f"{base_url}/signin")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/security$"))
    expect(page.get_by_role("heading", name="Known devices")).to_be_visible()

    mail = mailbox(app, EMAIL)
    assert mail["subject"] == "New sign-in to your account"
    [secure] = [url for url in mail["links"] if "/signin-notice/secure/" in url]
    assert secure.startswith(f"{base_url}/signin-notice/secure/")

    page.goto(secure)
    page.get_by_role("button", name="No, it was not me: secure my account").click()
    expect(page).to_have_url(re.compile(r"/appeal/status/"))
    ticket = _row(app, Ticket, category="stolen_account")
    expect(page.get_by_role("heading", name=f"Request #{ticket.id}")).to_be_visible()
    assert (ticket.priority, ticket.queue) == (1, "security")
    assert _row(app, User, email=EMAIL).status == "locked"

    page.goto(f"{base_url}/security")  # the session on this device ended with the lock
    expect(page).to_have_url(re.compile(r"/signin"))
