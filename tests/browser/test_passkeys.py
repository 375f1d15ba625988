"""In headless Chromium with the DevTools virtual authenticator (CTAP2, internal transport, resident keys, user
verification): register a passkey on the security page, sign in with it alone, use it as the second factor after
a password and in a reset, remove it with re-authentication, and see a cloned one (its counter set back) refused
and recorded. Served as http://localhost:<port>: WebAuthn refuses an IP address as the relying party's id."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from helpers.database import rows
from helpers.people import NEW_PASSWORD, PASSWORD, add_user
from playwright.sync_api import expect

from recovery.events.models import SecurityEvent
from recovery.passkeys.models import Passkey
from recovery.sessions.models import UserSession
from recovery.web.context import runtime

pytestmark = pytest.mark.browser
EMAIL = "ada.passkey@example.com"


@pytest.fixture
def site(_server, make_app):
    """The test's app behind the shared server, its base URL on localhost (a host name WebAuthn accepts)."""
    holder, lock, ip_url = _server
    base_url = ip_url.replace("127.0.0.1", "localhost")
    app = make_app(base_url=base_url)
    app.extensions["serial_db"] = lock
    with lock:
        holder["app"] = app
    yield app, base_url
    with lock:
        holder.pop("app", None)


@pytest.fixture
def authenticator(page):
    """A platform authenticator in the page's browser: the CDP session and its id."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})
    return cdp, added["authenticatorId"]


def _sign_in_with_password(page, base_url) -> None:
    page.goto(f"{base_url}/signin")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _sign_out(page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()


def _register(page, base_url, name: str = "Test laptop") -> None:
    """Signed in, from the security page: add a passkey named `name`."""
    page.goto(f"{base_url}/security")
    page.get_by_role("link", name="Add a passkey").click()
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Create a passkey").click()
    expect(page).to_have_url(f"{base_url}/security")
    expect(page.get_by_text(f"Your passkey “{name}” is added.")).to_be_visible()
    expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()


def _registered_account(page, app, base_url) -> None:
    add_user(app, EMAIL)
    _sign_in_with_password(page, base_url)
    expect(page).to_have_url(f"{base_url}/security")
    _register(page, base_url)
    _sign_out(page)


def _sign_in_with_passkey(page, base_url) -> None:
    """From the sign-in page to the passkey page, whose conditional request (the browser's autofill of passkeys)
    the virtual authenticator answers at once: no button to press."""
    page.goto(f"{base_url}/signin")
    page.get_by_role("link", name="Sign in with a passkey").click()


def test_register_then_sign_in_with_the_passkey_alone(site, page, authenticator, mailbox):
    app, base_url = site
    _registered_account(page, app, base_url)
    [passkey] = rows(app, Passkey)
    assert passkey.name == "Test laptop" and passkey.user_verified and passkey.transports == "internal"
    assert passkey.created_device  # the browser, as detection read it
    assert mailbox(app, EMAIL)["subject"] == "A passkey was added to your account"

    _sign_in_with_passkey(page, base_url)
    expect(page).to_have_url(f"{base_url}/security")
    [live] = [s for s in rows(app, UserSession) if s.revoked_at is None]
    assert live.mfa_passed  # a passkey is both factors
    expect(page.get_by_role("cell", name="Test laptop", exact=True)).to_be_visible()
    assert rows(app, Passkey)[0].last_used_at is not None


def test_a_passkey_is_the_second_factor_after_a_password(site, page, authenticator):
    app, base_url = site
    _registered_account(page, app, base_url)
    _sign_in_with_password(page, base_url)
    expect(page).to_have_url(re.compile(r"/signin/second-factor"))
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(f"{base_url}/security")
    [passed] = rows(app, SecurityEvent, type="mfa.challenge.passed")
    assert passed.details["method"] == "passkey"


def test_a_reset_asks_for_the_passkey(site, page, authenticator, mailbox):
    app, base_url = site
    _registered_account(page, app, base_url)
    page.goto(f"{base_url}/forgot")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("button", name="Email me a link").click()
    [link] = [url for url in mailbox(app, EMAIL)["links"] if "/reset/" in url]
    page.goto(link)
    expect(page).to_have_url(f"{base_url}/reset")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()  # no code, no passkey: refused
    expect(page.get_by_role("alert").first).to_be_visible()
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Use a passkey and set the new password").click()
    expect(page.get_by_role("heading", name="Your password has been changed")).to_be_visible()
    assert rows(app, SecurityEvent, type="account.password.reset")


def test_removing_a_passkey_needs_re_authentication_and_warns_about_the_last_factor(site, page, authenticator,
                                                                                    mailbox):
    app, base_url = site
    _registered_account(page, app, base_url)
    _sign_in_with_password(page, base_url)
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(f"{base_url}/security")
    runtime(app).clock.advance(timedelta(minutes=11))  # past the re-authentication window
    page.get_by_role("link", name="Remove Test laptop").click()
    expect(page).to_have_url(re.compile(r"/reauthenticate"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Confirm|Continue")).click()
    expect(page).to_have_url(re.compile(r"/security/passkeys/\d+/remove"))
    expect(page.locator("#last-factor")).to_contain_text("You have no other second step")
    page.get_by_role("button", name="Remove passkey").click()
    expect(page).to_have_url(f"{base_url}/security")
    expect(page.get_by_text("You have no passkeys yet.")).to_be_visible()
    assert rows(app, Passkey) == [] and rows(app, SecurityEvent, type="passkey.removed")
    assert mailbox(app, EMAIL)["subject"] == "A passkey was removed from your account"


def test_a_cloned_passkey_whose_counter_went_back_is_refused_and_recorded(site, page, authenticator):
    app, base_url = site
    cdp, authenticator_id = authenticator
    _registered_account(page, app, base_url)
    _sign_in_with_passkey(page, base_url)  # the counter moves on, on the server too
    expect(page).to_have_url(f"{base_url}/security")
    _sign_out(page)
    assert rows(app, Passkey)[0].sign_count >= 2

    [credential] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    cdp.send("WebAuthn.removeCredential", {"authenticatorId": authenticator_id,
                                           "credentialId": credential["credentialId"]})
    cdp.send("WebAuthn.addCredential", {"authenticatorId": authenticator_id,
                                        "credential": {**credential, "signCount": 0}})  # a copy made earlier
    _sign_in_with_passkey(page, base_url)  # the conditional request answers with the copy
    expect(page.get_by_role("alert").first).to_contain_text("That passkey could not be verified")
    expect(page).to_have_url(re.compile(r"/signin/passkey"))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in with a passkey").click()  # and the button, once more
    expect(page.get_by_role("alert").first).to_contain_text("That passkey could not be verified")
    events = rows(app, SecurityEvent, type="passkey.counter_regressed")
    assert len(events) == 2 and all(e.details["presented"] <= e.details["stored"] for e in events)
    assert not [s for s in rows(app, UserSession) if s.created_at > events[0].created_at]
