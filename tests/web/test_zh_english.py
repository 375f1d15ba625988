"""No English sentence on a Chinese page: every page a person can open (signed out, and signed in as an ordinary
user with a full history: events of every type, sessions, devices, sign-ins, an appeal, a stolen-account case,
locked accounts), its error pages and its forms' error answers, rendered in zh_Hans with the test client.

The check reads the rendered HTML as a person does: the text of the page (not scripts, styles or attribute
values, except title, alt, placeholder and aria-label, which are read out or shown), without what a page marks
as another language (`lang="en"`: the language switcher's "English"). What may stay in Latin letters is listed
in ALLOWED: names of products and systems, the brand, and values (email addresses, URLs, IPs, codes, time zone
names). Any other English word of three letters or more is a leak. A GET route without parameters is found
from the URL map, so a new page is checked without listing it; a route with parameters must be in TOKEN_PAGES.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers.csrf import csrf_from
from helpers.detection import CHROME, fixed_geo
from helpers.people import PASSWORD, People
from helpers.phone import enroll_totp

from recovery.accounts import service as accounts
from recovery.accounts.status import set_status_as_operator
from recovery.context import Actor
from recovery.detection import notices
from recovery.detection.containment import secure_account
from recovery.events.labels import EVENT_LABELS
from recovery.events.service import record_event
from recovery.help.content import import_content
from recovery.passkeys.models import Passkey
from recovery.reset.service import issue_link
from recovery.sessions.service import start_session
from recovery.tickets import access
from recovery.tickets.service import open_ticket

PEOPLE = People
HELP_FIXTURES = Path(__file__).resolve().parents[1] / "help" / "fixtures" / "content"
ADA, BOB, CAROL, DAN = "ada@example.com", "bob@example.com", "carol@example.com", "dan@example.com"
BERLIN_IP = "198.51.100.7"

# Proper nouns and values that stay in Latin letters on a Chinese page.
ALLOWED = [
    r"[\w.*+-]*@[\w*-]+(\.[\w-]+)+",  # email addresses, masked ones too (a***@example.com)
    r"\b[\w-]+(\.[\w-]+)*\.(com|org|net|test|cn)\b",  # domain names
    r"https?://\S+",  # URLs
    r"\b\d{1,3}(\.\d{1,3}){3}\b",  # IPv4
    r"\b[A-Z][a-z]+/[A-Za-z_/-]+\b",  # IANA time zone names (Asia/Shanghai)
    r"\b(Chrome|Firefox|Safari|Edge|Opera|Windows|Mac OS X|macOS|Linux|Android|iOS|Ubuntu)\b( \d+)?",
    r"\b(Google Authenticator|Microsoft Authenticator|Authy|1Password|Bitwarden|FreeOTP|iPhone|Android)\b",
    r"\brecovery\b",  # the brand
    r"\b(UTC|GMT|API|ID|IP|URL|UUID|QR|TOTP|PIN|HTML|JSON|CSV|PDF|PNG|JPEG|SMS|Webhook|webhook|NaN|UTF-8|IPv[46]|KB|MB)\b",
    r"\bEnglish\b",
    r"\b[A-Z2-7]{4}(?:[ -]?[A-Z2-7]{4})+\b",  # secrets and recovery codes as printed
    r"\b(Berlin|Sydney|Paris|Shanghai)\b",  # city names the geo database gives in English only
]
_ALLOWED = re.compile("|".join(f"(?:{pattern})" for pattern in ALLOWED))
# English words in a row, reported together; a run with a word of three letters or more is English.
_WORDS = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,.:;!?()/]+[A-Za-z][A-Za-z'’-]*)*")
_READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label"}
_SILENT = {"script", "style", "template"}


class _Text(HTMLParser):
    """The text a person reads: text nodes and read-out attributes, outside scripts, styles and lang="en"."""

    _VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, silent)
        self.parts: list[str] = []

    def _silent(self) -> bool:
        return any(silent for _tag, silent in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        other_language = (attributes.get("lang") or "").lower().startswith("en")
        if not self._silent() and not other_language:
            self.parts += [value for name, value in attrs if name in _READ_ATTRIBUTES and value]
        if tag not in self._VOID:
            self.stack.append((tag, tag in _SILENT or other_language))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if not self._silent() and data.strip():
            self.parts.append(data)


def english_in(html: str) -> list[str]:
    """Every run of English words left once the allowed names and values are taken out. A whole page must say
    it is Chinese (an English `lang` on <html> would hide all of it)."""
    if "<html" in html:
        assert re.search(r'<html lang="zh-Hans"', html), "a page on the Chinese side must say lang=zh-Hans"
    parser = _Text()
    parser.feed(html)
    found = []
    for part in parser.parts:
        rest = _ALLOWED.sub(" ", part)
        found += [run.group(0) for run in _WORDS.finditer(rest) if re.search(r"[A-Za-z]{3,}", run.group(0))]
    return found


def test_the_detector_reads_text_and_read_out_attributes_only():
    html = ('<html lang="zh-Hans"><head><title>安全 · recovery</title><style>.a b {}</style></head><body>'
            '<script>var sign in = 1;</script><p>您好 Sign in now</p><a lang="en" href="/x">English here ok</a>'
            '<input placeholder="Your email" value="some value"><img alt="QR 码">'
            '<span title="Chrome 124 · Windows 10">ada@example.com · 198.51.100.7 · Asia/Shanghai</span></body></html>')
    assert english_in(html) == ["Sign in now", "Your email"]
    assert english_in("<p>状态：Active</p>") == ["Active"]


# --- the data a real account has ---------------------------------------------------------------------------

@pytest.fixture
def app(make_app):
    return make_app(extra={"geo_lookup": fixed_geo()})


@pytest.fixture
def world(app, people, services) -> dict:
    """Ada with a full history; Bob whose account was reported stolen; Carol locked by an alert; Dan with an
    authenticator app."""
    ada, bob, carol, dan = (people.add(email) for email in (ADA, BOB, CAROL, DAN))
    staff = people.staff("agent@example.com")
    security = people.staff("sec@example.com", role="security")
    with services(Actor("user", ada, BERLIN_IP, CHROME)) as ctx:
        start_session(ctx, ada, kind="browser")
        for type_ in EVENT_LABELS:
            record_event(ctx, type_, user_id=ada)
        record_event(ctx, "made.up.type", user_id=ada)
        user = accounts.get_user(ctx, ada)
        accounts.add_contact_address(ctx, user, "ada.backup@example.com")  # waiting for its code
        ticket = open_ticket(ctx, category="unblock_appeal", user_id=ada, subject="申诉", message="请帮帮我",
                             source="appeal")
        recovery_request = open_ticket(ctx, category="account_recovery", user_id=ada, subject="找回账号",
                                       message="我丢了手机", source="recovery_request", hold_hours=72)
        links = {"status": access.status_link(ctx, ticket), "cancel": access.cancel_link(ctx, recovery_request),
                 "held_status": access.status_link(ctx, recovery_request),
                 "reset": issue_link(ctx, user, "reset.open_link"),
                 "secure_password": issue_link(ctx, user, "detection.secure_password"),
                 "notice_confirm": notices.button_link(ctx, user, "confirm"),
                 "notice_secure": notices.button_link(ctx, user, "secure")}
    for actor in (Actor("staff", staff, "192.0.2.1", "Console"), Actor("staff", security, "192.0.2.2", "Console"),
                  Actor("system", None, None, None)):
        with services(actor) as ctx:
            for type_ in ("account.status.changed", "ticket.decision.denied", "session.revoked_all", "mfa.reset",
                          "alert.action.locked", "ticket.info_requested"):
                record_event(ctx, type_, user_id=ada, ticket_id=ticket.id)
    with services(Actor("user", bob, BERLIN_IP, CHROME)) as ctx:
        bob_ticket = secure_account(ctx, accounts.get_user(ctx, bob), source="email_button")
        links["stolen_status"] = access.status_link(ctx, bob_ticket)
    with services() as ctx:
        set_status_as_operator(ctx, accounts.get_user(ctx, carol), "locked", "Security alert 3: credential_stuffing")
        enroll_totp(ctx, accounts.get_user(ctx, dan))
        import_content(ctx, HELP_FIXTURES)  # one article in both languages, one only in English
    help_pages = {"help_article": "/help/forgot-password", "help_article_in_english": "/help/phishing"}
    links.update({f"guide_{step}": f"https://recovery.example.test/help/start/{step}"
                  for step in ("locked", "taken", "codes")})
    links.update(_conversations(app))
    return {"ada": ada, "dan": dan,
            "links": {**{name: link.split(".test", 1)[1] for name, link in links.items()}, **help_pages}}


def _conversations(app) -> dict[str, str]:
    """A Chinese conversation answered, and one whose stolen-account reply asks for the hand-off's email."""
    client = _chinese_client(app)
    found = {}
    for name, message in (("conversation", "忘记密码了"), ("conversation_contact", "我的号被盗了")):
        token = csrf_from(client.get("/help/assistant").get_data(as_text=True))
        answer = client.post("/help/assistant", data={"csrf_token": token, "message": message})
        found[name] = "https://recovery.example.test" + answer.headers["Location"]
    return found


TOKEN_PAGES = {  # endpoint -> the world's link that opens it
    "tickets_intake.status": ["status", "stolen_status", "held_status"],
    "reset.open_link": ["reset"],
    "detection.secure_password": ["secure_password"],
    "detection.notice_link": ["notice_confirm", "notice_secure"],
    "tickets_intake.cancel": ["cancel"],
    "help.article": ["help_article", "help_article_in_english"],
    "i18n.choose_language": [],  # a redirect
    "outbox.mailbox_message": [],  # the development mailbox, not a page for people (dev only)
    # A passkey's own pages, signed in: test_no_english_on_chinese_second_factor_pages opens Dan's.
    "security_passkeys.rename": [],
    "security_passkeys.remove": [],
    "guide.step": ["guide_locked", "guide_taken", "guide_codes"],
    "assistant.page": ["conversation", "conversation_contact"],
}
NOT_FOR_PEOPLE = ("/api/", "/static/", "/staff", "/dev/", "/healthz", "/openapi", "/language/")


def _pages_without_parameters(app) -> list[str]:
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(NOT_FOR_PEOPLE))


def _check(client, path: str, leaks: dict, **kwargs) -> int:
    """Open `path` (following redirects) and note its English; returns the final status."""
    response = client.get(path, **kwargs)
    for _hop in range(3):
        if response.status_code not in (301, 302, 303):
            break
        response = client.get(response.headers["Location"])
    assert response.status_code < 500, path
    if response.mimetype == "text/html":
        found = english_in(response.get_data(as_text=True))
        if found:
            leaks[f"GET {path} ({response.status_code})"] = found
    return response.status_code


def _answer_english(answer) -> list[str]:
    """The English of a form's answer page; a redirect's body is Werkzeug's, which no browser shows."""
    if answer.status_code in (301, 302, 303) or answer.mimetype != "text/html":
        return []
    return english_in(answer.get_data(as_text=True))


def _report(leaks: dict) -> str:
    return "English on Chinese pages:\n" + "\n".join(f"  {page}: {found}" for page, found in leaks.items())


def _chinese_client(app):
    client = app.test_client()
    client.get("/language/zh_Hans")
    return client


def test_every_route_with_parameters_is_listed(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if "GET" in rule.methods and rule.arguments and not rule.rule.startswith(NOT_FOR_PEOPLE)}
    assert endpoints <= set(TOKEN_PAGES), f"add how to open these pages to TOKEN_PAGES: {endpoints - set(TOKEN_PAGES)}"


def test_no_english_on_chinese_pages_signed_out(app, world):
    leaks: dict = {}
    client = _chinese_client(app)
    for path in _pages_without_parameters(app) + ["/no-such-page"]:
        _check(client, path, leaks)
    for names in TOKEN_PAGES.values():
        for name in names:
            _check(_chinese_client(app), world["links"][name], leaks)
    assert not leaks, _report(leaks)


def test_no_english_on_chinese_pages_signed_in(app, people, world):
    leaks: dict = {}
    client = _chinese_client(app)
    people.sign_in(world["ada"], client=client)
    statuses = {path: _check(client, path, leaks, headers={"User-Agent": CHROME})
                for path in _pages_without_parameters(app)}
    assert statuses["/security"] == 200 and len(statuses) >= 20
    assert not leaks, _report(leaks)


def test_no_english_on_chinese_sign_in_answers_of_blocked_accounts(app, world):
    leaks: dict = {}
    for email in (BOB, CAROL, ADA):
        for password in (PASSWORD, PASSWORD + "x"):
            client = _chinese_client(app)
            page = client.get("/signin").get_data(as_text=True)
            answer = client.post("/signin", data={"csrf_token": csrf_from(page), "email": email, "password": password})
            if found := _answer_english(answer):
                leaks[f"POST /signin as {email}"] = found
    assert not leaks, _report(leaks)


def test_no_english_on_chinese_form_errors(app, people, world):
    """Every form a person can send, sent empty and sent too long: the answer page in Chinese."""
    leaks: dict = {}
    client = _chinese_client(app)
    people.sign_in(world["ada"], client=client)
    forms = [(rule.rule, page) for rule in app.url_map.iter_rules()
             if "POST" in rule.methods and not rule.arguments and not rule.rule.startswith(NOT_FOR_PEOPLE)
             for page in [rule.rule if "GET" in rule.methods else "/security"]]
    for path, page in forms:
        if path in ("/signout", "/security/sessions/revoke-others", "/time-zone"):
            continue
        for data in ({}, {"message": "1" * 6000, "email": "1" * 400, "time_zone": "1/2", "code": "1" * 70}):
            html = client.get(page, follow_redirects=True).get_data(as_text=True)
            token = csrf_from(html if 'name="csrf_token"' in html else client.get("/security").get_data(as_text=True))
            answer = client.post(path, data={"csrf_token": token, **data})
            if found := _answer_english(answer):
                leaks[f"POST {path} {sorted(data)}"] = found
    assert not leaks, _report(leaks)


def test_no_english_on_chinese_second_factor_pages(app, people, services, world):
    """Dan's sign-in stops at the second-factor page; a wrong code answers on it; signed in, his MFA pages."""
    leaks: dict = {}
    client = _chinese_client(app)
    page = client.get("/signin").get_data(as_text=True)
    answer = client.post("/signin", data={"csrf_token": csrf_from(page), "email": DAN, "password": PASSWORD})
    assert answer.headers["Location"].startswith("/signin/second-factor")
    _check(client, answer.headers["Location"], leaks)
    code_page = client.get("/signin/second-factor").get_data(as_text=True)
    wrong = client.post("/signin/second-factor", data={"csrf_token": csrf_from(code_page), "code": "000000"})
    if found := _answer_english(wrong):
        leaks["POST /signin/second-factor (wrong code)"] = found
    signed_in = _chinese_client(app)
    people.sign_in(world["dan"], client=signed_in)
    passkey_id = _add_passkey(services, world["dan"])
    for path in ("/security", "/security/mfa/recovery-codes", "/security/mfa/replace", "/security/mfa/disable",
                 f"/security/passkeys/{passkey_id}/rename", f"/security/passkeys/{passkey_id}/remove"):
        _check(signed_in, path, leaks)
    assert not leaks, _report(leaks)


def _add_passkey(services, user_id: int) -> int:
    """A passkey as a registration leaves it, so its rename and remove pages open."""
    with services() as ctx:
        passkey = Passkey(user_id=user_id, credential_id="emgtZW5nbGlzaC1rZXk", public_key=b"\x00" * 77,
                          name="笔记本电脑", created_at=ctx.clock.now(), created_device="Chrome 124 · Windows 10")
        ctx.session.add(passkey)
        ctx.session.flush()
        return passkey.id
