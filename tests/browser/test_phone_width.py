"""At a phone's width (390 px) no page scrolls sideways, in English or Chinese: the security page's tables scroll
inside their own box, and a form's fields never grow wider than the screen (a long choice in a select did)."""

import pytest
from helpers.people import add_user

pytestmark = pytest.mark.browser

PASSWORD = "lantern orchard velvet compass"


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize(("locale", "account_locale"), [("en-US", "en"), ("zh-CN", "zh_Hans")])
def test_security_page_and_appeal_form_fit_a_phone(live_server, browser, locale, account_locale):
    app, base_url = live_server
    add_user(app, "phone.user@example.com", password=PASSWORD, locale=account_locale)
    context = browser.new_context(locale=locale, viewport={"width": 390, "height": 844},
                                  extra_http_headers={"Accept-Language": locale})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"{base_url}/appeal")
        assert _fits(page), "the appeal form scrolls sideways"
        for _ in range(2):  # two sessions: the sessions table gets a second long browser name
            page.goto(f"{base_url}/signin")
            page.fill("input[name=email]", "phone.user@example.com")
            page.fill("input[name=password]", PASSWORD)
            page.locator("form[action$='/signin'] button[type=submit]").click()
            page.wait_for_url(f"{base_url}/security")
        assert page.locator("table").count() >= 3  # sessions, sign-ins, events: the wide ones
        assert _fits(page), "the security page scrolls sideways"
    finally:
        context.close()
