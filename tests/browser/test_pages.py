"""Every user page, signed out and signed in, in English and Chinese, at 1280×800 and 390×844: no sideways scroll
on the phone, no console error, and no WCAG 2.2 A/AA violation of serious or critical impact (axe-core).

One browser for the run and one page per language, resized for each size (tests/helpers/pagecheck.py); the axe
count of every page is printed.
With RECOVERY_SCREENSHOTS=<dir> each page is also saved as a full-page PNG (`flask --app wsgi recovery screenshots`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
from helpers.database import unit_of_work
from helpers.pagecheck import PageChecker, axe_source
from helpers.people import add_user
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from recovery.accounts.models import User
from recovery.accounts.service import set_second_factor
from recovery.detection.containment import PASSWORD_ENDPOINT, secure_account
from recovery.detection.notices import button_link
from recovery.help.content import CONTENT_DIR, import_content
from recovery.help.models import HelpArticle
from recovery.passkeys.models import Passkey
from recovery.reset.service import issue_link
from recovery.tickets import service as tickets
from recovery.tickets.access import cancel_link, status_link
from recovery.web.context import runtime

pytestmark = pytest.mark.browser

PASSWORD = "lantern orchard velvet compass"
HELP_FIXTURES = Path(__file__).resolve().parents[1] / "help" / "fixtures" / "content"
SIZES = {"1280": (1280, 800), "390": (390, 844)}
# Pages of the URL map that are not a person's: the consoles, the API, the development mailbox, assets, health.
NOT_USER_PAGES = ("/staff", "/api/", "/dev/", "/static/", "/healthz", "/metrics")
# User pages the walk does not check, and why. Every other GET page of the URL map must be checked.
NOT_WALKED = {
    "home.support": "a redirect to the front door (tests/tickets/test_requester_pages.py)",
    "i18n.choose_language": "a redirect back to the page it was chosen on",
    "reset.open_link": "a redirect to /reset, walked as reset-choose-password (its 400 answer is the link problem)",
    "signin.step_up": "needs a risky sign-in from a second network; the page is detection/step_up.html, whose "
                      "flow tests/detection/test_signin.py drives",
}


@dataclass
class Seeded:
    """The walk's person and the links that open their pages."""

    email: str
    status: str           # an appeal the support team asked a question on: "waiting on you"
    stolen_status: str    # containment's P1 case, whose system line must not show
    cancel: str
    reset: str
    secure_password: str
    notice: str
    help_article: str      # a help article's slug (the repository's articles, else the help tests' fixtures)


def _path(link: str) -> str:
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _seed(app, locale: str) -> Seeded:
    email, victim = "walker@example.com", "victim@example.com"
    user = add_user(app, email, password=PASSWORD, locale=locale)
    stolen = add_user(app, victim, password=PASSWORD, locale=locale)
    agent = add_user(app, "agent@example.com", role="agent")
    with unit_of_work(app) as ctx:
        appeal = tickets.open_ticket(ctx, category="unblock_appeal", user_id=user.id, subject="Appeal",
                                     message="Please look at my account again.", source="appeal")
        tickets.reply(ctx, appeal, ctx.session.get(User, agent.id), "Which city did you last sign in from?",
                      request_info=True)
        held = tickets.open_ticket(ctx, category="account_recovery", user_id=stolen.id, subject="Recovery",
                                   message="I lost everything.", source="recovery_request",
                                   requester_email="new.contact@example.net", hold_hours=72)
        case = secure_account(ctx, ctx.session.get(User, stolen.id), source="email_button")
        import_content(ctx, CONTENT_DIR if (CONTENT_DIR / "categories.toml").exists() else HELP_FIXTURES)
        first_article = ctx.session.scalar(select(HelpArticle.slug).order_by(HelpArticle.id).limit(1))
        return Seeded(email=email, status=_path(status_link(ctx, appeal)), stolen_status=_path(status_link(ctx, case)),
                      cancel=_path(cancel_link(ctx, held)),
                      reset=_path(issue_link(ctx, ctx.session.get(User, user.id), "reset.open_link")),
                      secure_password=_path(issue_link(ctx, ctx.session.get(User, stolen.id), PASSWORD_ENDPOINT)),
                      notice=_path(button_link(ctx, ctx.session.get(User, user.id), "secure")),
                      help_article=first_article or "")


class Walk:
    """The visits; each checked page's findings (one per size) are kept for the summary and the assertion."""

    def __init__(self, checker: PageChecker, base_url: str, seeded: Seeded) -> None:
        self.checker, self.base_url, self.seeded = checker, base_url, seeded
        self.page = checker.page
        self.findings: list = []

    def visit(self, name: str, path: str, status: int = 200) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == status, f"{name}: {path} answered {response.status}"
        self.check(name, status)

    def submit(self, name: str, form: str, fields: dict[str, str], status: int = 200) -> None:
        for selector, value in fields.items():
            self.page.fill(f"{form} {selector}", value)
        with self.page.expect_navigation() as navigation:
            self.page.click(f"{form} button[type=submit]")
        answered = navigation.value.status if navigation.value is not None else 0
        assert answered == status, f"{name}: the form answered {answered}"
        self.check(name, status)

    def check(self, name: str, status: int = 200) -> None:
        self.findings.extend(self.checker.check(name, status=status))

    def sign_in(self, name: str | None = None) -> None:
        self.page.goto(f"{self.base_url}/signin")
        self.page.fill("form[action$='/signin'] input[name=email]", self.seeded.email)
        self.page.fill("form[action$='/signin'] input[name=password]", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("form[action$='/signin'] button[type=submit]")
        if name:
            self.check(name)


def _signed_out(walk: Walk, seeded: Seeded) -> None:
    walk.visit("home", "/")
    walk.visit("check-my-request", "/requests")
    walk.visit("signin", "/signin")
    walk.submit("signin-failed", "form[action$='/signin']",
                {"input[name=email]": "nobody@example.com", "input[name=password]": "not the password"}, status=401)
    walk.visit("signup", "/signup")
    walk.visit("verify-email", "/verify-email")
    walk.visit("forgot", "/forgot")
    walk.submit("forgot-sent", "form[action$='/forgot']", {"input[name=email]": "nobody@example.com"},
                status=202)
    walk.visit("reset-choose-password", seeded.reset)
    walk.visit("reset-link-problem", "/reset/not-a-token", status=400)
    walk.visit("appeal", "/appeal")
    walk.visit("appeal-lost-phone", "/appeal?reason=lost_second_factor")
    walk.submit("appeal-errors", "form[action$='/appeal']", {"input[name=email]": "not an address"}, status=400)
    walk.visit("appeal-confirm", "/appeal/confirm")
    walk.visit("recover", "/recover")
    walk.visit("recover-confirm", "/recover/confirm")
    walk.visit("secure-account", "/secure-account")
    walk.visit("signin-passkey", "/signin/passkey")
    walk.visit("secure-password", seeded.secure_password)
    walk.visit("notice-secure", seeded.notice)
    walk.visit("status-waiting-on-you", seeded.status)
    walk.visit("status-stolen-account", seeded.stolen_status)
    walk.visit("cancel-recovery", seeded.cancel)
    walk.visit("help-start", "/help/start")
    walk.visit("help-start-codes", "/help/start/codes")
    walk.visit("assistant", "/help/assistant")
    walk.submit("assistant-conversation", "form[data-assistant-form]", {"textarea[name=message]": "hacked 被盗"})
    walk.visit("contact", "/contact")
    walk.visit("contact-confirm", "/contact/confirm")
    walk.visit("not-found", "/no-such-page", status=404)
    walk.visit("help", "/help")
    walk.visit("help-search", "/help/search?q=password")
    walk.visit("help-article", f"/help/{seeded.help_article}")
    walk.submit("help-feedback-thanks", "form[action$='/feedback']", {"textarea[name=reason]": "More detail"})


def _signed_in(walk: Walk, app, base_url: str) -> None:
    walk.sign_in("signed-in-security")
    walk.visit("home-signed-in", "/")
    walk.visit("my-requests", "/requests")
    walk.visit("contact-signed-in", "/contact")
    walk.visit("status-signed-in", walk.seeded.status)
    walk.visit("contact-add", "/security/contacts/add")
    walk.visit("contact-remove", "/security/contacts/remove?email=old.address%40example.com")
    walk.visit("reauthenticate", "/reauthenticate")
    walk.visit("secure-account-signed-in", "/secure-account")
    walk.visit("mfa-setup", "/security/mfa/setup")
    walk.page.click("form[action$='/security/mfa/setup'] button[type=submit]")
    walk.page.wait_for_url(f"{base_url}/security/mfa/setup/confirm")
    walk.check("mfa-confirm")
    secret = walk.page.locator("#totp-secret").inner_text().replace(" ", "")
    walk.submit("mfa-recovery-codes", "form[action$='/security/mfa/setup/confirm']",
                {"input[name=code]": pyotp.TOTP(secret).at(runtime(app).clock.now())})
    walk.visit("mfa-regenerate", "/security/mfa/recovery-codes")
    walk.visit("mfa-replace", "/security/mfa/replace")
    walk.visit("mfa-disable", "/security/mfa/disable")
    walk.visit("passkey-new", "/security/passkeys/new")
    passkey_id = _add_passkey(app, walk.seeded.email)
    walk.visit("passkey-rename", f"/security/passkeys/{passkey_id}/rename")
    walk.visit("passkey-remove", f"/security/passkeys/{passkey_id}/remove")
    walk.visit("security-with-mfa", "/security")
    walk.page.click("nav.site-nav button[type=submit]")  # sign out
    walk.page.wait_for_url(f"{base_url}/")
    walk.sign_in()
    walk.page.wait_for_url(f"{base_url}/signin/second-factor*")
    walk.check("mfa-second-factor")


def _add_passkey(app, email: str) -> int:
    """A passkey on the walker's account, as a registration leaves it (the pages list, rename and remove it)."""
    with unit_of_work(app) as ctx:
        user_id = ctx.session.scalar(select(User.id).where(User.email == email))
        passkey = Passkey(user_id=user_id, credential_id=f"key-of-{user_id}", public_key=b"\x00" * 77,
                          name="Laptop", created_at=ctx.clock.now(), created_device="Chrome 124 · Windows 10")
        ctx.session.add(passkey)
        ctx.session.flush()
        return passkey.id


def _passkey_only_second_factor(walk: Walk, app, base_url: str, locale: str) -> None:
    """The second step of an account whose only second factor is a passkey: no code asked for."""
    email = "keyholder@example.com"
    add_user(app, email, password=PASSWORD, locale=locale)
    _add_passkey(app, email)
    with unit_of_work(app) as ctx:
        user = ctx.session.scalar(select(User).where(User.email == email))
        set_second_factor(ctx, user, ctx.clock.now())
    walk.page.goto(f"{base_url}/signin")
    walk.page.fill("form[action$='/signin'] input[name=email]", email)
    walk.page.fill("form[action$='/signin'] input[name=password]", PASSWORD)
    with walk.page.expect_navigation():
        walk.page.click("form[action$='/signin'] button[type=submit]")
    walk.page.wait_for_url(f"{base_url}/signin/second-factor*")
    assert walk.page.locator("input[name=code]").count() == 0
    walk.check("mfa-second-factor-passkey-only")


@pytest.mark.parametrize(("locale", "browser_locale"), [("en", "en-US"), ("zh_Hans", "zh-CN")])
def test_every_user_page_fits_a_phone_logs_no_error_and_passes_axe(live_server, browser, capsys, locale,
                                                                   browser_locale):
    app, base_url = live_server
    axe = axe_source()
    shots = os.environ.get("RECOVERY_SCREENSHOTS")
    started = time.monotonic()
    seeded = _seed(app, locale)
    checker = PageChecker(browser, sizes=SIZES, locale=browser_locale, axe=axe,
                          screenshots=Path(shots) / locale if shots else None)
    walk = Walk(checker, base_url, seeded)
    try:
        assert {"image-alt", "label"} <= checker.blocking_ids_on(
            '<html lang="en"><title>t</title><main><img src="data:,"><input type="text"></main></html>')
        _signed_out(walk, seeded)
        _signed_in(walk, app, base_url)
        _passkey_only_second_factor(walk, app, base_url, locale)
    finally:
        checker.close()
    findings = walk.findings
    _assert_every_user_page_walked(app, checker.checked_urls)
    with capsys.disabled():  # the counts belong in the run's output, passing or failing
        _report(locale, findings, time.monotonic() - started)
    problems = [problem for finding in findings for problem in finding.problems()]
    assert problems == [], "\n".join(problems)


def _assert_every_user_page_walked(app, urls: list[str]) -> None:
    """The walk covers the URL map: a new user page fails here until it is walked (or NOT_WALKED says why)."""
    adapter = app.url_map.bind("localhost")
    walked = set()
    for url in urls:
        try:
            walked.add(adapter.match(urlsplit(url).path, method="GET")[0])
        except HTTPException:  # the not-found page matches nothing
            continue
    pages = {rule.endpoint for rule in app.url_map.iter_rules()
             if "GET" in (rule.methods or ()) and not rule.rule.startswith(NOT_USER_PAGES)}
    assert pages - walked - set(NOT_WALKED) == set(), "walk these pages in tests/browser/test_pages.py"
    assert set(NOT_WALKED) <= pages, "NOT_WALKED names a page that no longer exists"


def _report(locale: str, findings: list, seconds: float) -> None:
    """One line per page: axe's violations (all impacts, then serious or critical) at each size."""
    by_page: dict[str, list[str]] = {}
    for f in findings:
        by_page.setdefault(f.page, []).append(f"{f.size}px {len(f.violations)}/{len(f.blocking)}")
    lines = [f"axe {locale} {page}: " + ", ".join(counts) for page, counts in by_page.items()]
    print("\n" + "\n".join(lines) + f"\naxe {locale}: {len(by_page)} pages x {len(findings) // max(1, len(by_page))} "
          f"sizes in {seconds:.1f} s (violations all/serious+critical)", flush=True)
