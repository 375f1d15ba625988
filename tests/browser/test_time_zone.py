"""The browser reports its time zone by itself (static/time-zone.js, under the CSP): a person in Shanghai who
opens the front door and signs in reads every time in China's zone, and the security page has it chosen."""

import pytest
from helpers.database import get
from helpers.people import add_user
from playwright.sync_api import expect

from recovery.accounts.models import User

pytestmark = pytest.mark.browser

PASSWORD = "lantern orchard velvet compass"


def test_a_browser_in_shanghai_sets_the_zone_without_being_asked(live_server, browser):
    app, base_url = live_server
    added = add_user(app, "shanghai@example.com", password=PASSWORD)
    context = browser.new_context(timezone_id="Asia/Shanghai", locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))  # a script error (a missing favicon is not one)
    try:
        page.goto(f"{base_url}/")
        # Locator waits, not wait_for_function: a string predicate is evaluated with eval, which the CSP refuses.
        expect(page.locator("#time-zone-report")).to_have_attribute("data-known", "Asia/Shanghai")
        page.goto(f"{base_url}/signin")
        page.fill("input[name=email]", "shanghai@example.com")
        page.fill("input[name=password]", PASSWORD)
        page.locator("form[action$='/signin'] button[type=submit]").click()
        page.wait_for_url(f"{base_url}/security")
        # reported, or not asked at all (the page has the account's zone already)
        expect(page.locator("#time-zone-report:not([data-known='Asia/Shanghai'])")).to_have_count(0)
        page.reload()
        assert page.locator("select[name=time_zone]").input_value() == "Asia/Shanghai"
        assert page.locator("#time-zone-report").count() == 0  # known now: no script on later pages
        assert not errors, errors
    finally:
        context.close()
    assert people_zone(app, added.id) == "Asia/Shanghai"


def people_zone(app, user_id: int) -> str | None:
    return get(app, User, user_id).time_zone
