"""Every email, both parts, both languages: the text part says what the HTML part says (its sentences, its links),
a Chinese email has no English sentence, every time reads the same way, and choices are buttons on their own."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from recovery.settings import PROJECT_ROOT
from recovery.web.emails import compose_email, email_time

AT = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)
LATER = datetime(2026, 3, 5, 9, 5, tzinfo=UTC)
LINK = "https://recovery.example.test/"
COMMON = {"account_email": "ada@example.com", "occurred_at": AT, "ip": "198.51.100.7",
          "security_link": LINK + "security", "primary_address": "ada@example.com"}
# Words a person typed (a reason, a reply) are shown as typed: in the Chinese samples they are Chinese, so only our
# own words are checked for English.
TYPED = {"en": {"reason": "Spam sent from the account", "message": "We checked your documents.",
                "body": "Please send a photo of your ID.\nThank you.", "subject_line": "Account stolen"},
         "zh_Hans": {"reason": "从该账号发送垃圾信息", "message": "我们已核对您的材料。",
                     "body": "请发送您的证件照片。\n谢谢。", "subject_line": "账号被盗"}}
SAMPLES: dict[str, list[dict]] = {
    "account_locked_temporarily": [{"disabled": False, "failures": 5, "minutes": 15, "reset_minutes": 30,
                                    "reset_link": LINK + "reset/t1"}, {"disabled": True, "failures": 100,
                                                                       "minutes": 0, "reset_minutes": 30,
                                                                       "reset_link": LINK + "reset/t1"}],
    "account_secured": [{"reset_link": LINK + "secure-account/password/t", "reset_minutes": 30, "ticket_id": 4,
                         "status_link": LINK + "appeal/status/4.ab", "answer_by": LATER,
                         "factors_removed": ["Phone"], "authenticator_removed": True},
                        {"reset_minutes": 30, "ticket_id": 4, "status_link": LINK + "appeal/status/4.ab"}],
    "account_status_changed": [{"status": "banned", "previous": "active", "appeal_link": LINK + "appeal"},
                               {"status": "locked", "previous": "active", "appeal_link": LINK + "appeal"},
                               {"status": "active", "previous": "banned"}],
    "appeal_code": [{"code": "12345678", "minutes": 15, "confirm_link": LINK + "appeal/confirm"}],
    "appeal_contact_code": [{"code": "12345678", "minutes": 15, "confirm_link": LINK + "recover/confirm"}],
    "support_code": [{"code": "12345678", "minutes": 15}],
    "appeal_recovery_notice": [{"kind": "account_recovery", "ticket_id": 5, "contact": "new@example.org",
                                "hold_until": LATER, "cancel_link": LINK + "recover/cancel/5.cd"},
                               {"kind": "mfa_reset", "ticket_id": 5, "contact": None, "hold_until": LATER,
                                "cancel_link": LINK + "recover/cancel/5.cd"},
                               # a stolen-account claim proven from an address on file (appeal, assistant)
                               {"kind": "stolen_account", "ticket_id": 5, "contact": None, "hold_until": LATER,
                                "cancel_link": LINK + "recover/cancel/5.cd"}],
    "contact_added": [{"new_address": "backup@example.org"}],
    "contact_removed": [{"removed_address": "backup@example.org"}],
    "mfa_changed": [{"change": change} for change in ("enabled", "disabled", "replaced", "codes_regenerated",
                                                      "reset_by_support")],
    "passkey_changed": [{"change": "added", "name": "Laptop"}, {"change": "removed", "name": "Phone"},
                        {"change": "renamed", "name": "Work phone", "old_name": "Phone"}],
    "mfa_recovery_code_used": [{"remaining": 1}, {"remaining": 7}],
    "new_contact_verify": [{"code": "12345678", "minutes": 15}],
    "new_signin": [{"variant": variant, "device": "Firefox 125 · Linux", "place": "Berlin, DE",
                    "reasons": ["new_device"], "confirm_link": LINK + "signin-notice/confirm/c",
                    "secure_link": LINK + "signin-notice/secure/s", "link_days": 7}
                   for variant in ("notice", "blocked", "second_factor_failed")],
    "password_changed": [{"sessions_revoked": 2}],
    "password_reset_done": [{"sessions_revoked": 2, "not_me_link": LINK + "secure-account"}],
    "reset_blocked_account": [{"status": "banned", "appeal_link": LINK + "appeal"}],
    "reset_link": [{"link": LINK + "reset/t2", "minutes": 30, "new_request_link": LINK + "reset"}],
    "secure_account_link": [{"secure_link": LINK + "signin-notice/secure/s", "link_days": 7}],
    "sessions_ended_by_staff": [{"sessions_revoked": 3}],
    "signin_code": [{"code": "12345678", "minutes": 10, "secure_link": LINK + "signin-notice/secure/s",
                     "link_days": 7}],
    "signup_existing": [{"signin_link": LINK + "signin"}],
    "ticket_decision": [{"outcome": "granted", "cancelled": False, "status_link": LINK + "appeal/status/4.ab",
                         "ticket_id": 4, "appeal_again_after": None},
                        {"outcome": "denied", "cancelled": False, "status_link": LINK + "appeal/status/4.ab",
                         "ticket_id": 4, "appeal_again_after": LATER},
                        {"outcome": "withdrawn", "cancelled": True, "status_link": LINK + "appeal/status/4.ab",
                         "ticket_id": 4, "message": "", "reason": ""}],
    "ticket_escalated": [{"ticket_id": 4, "queue": "security", "priority": 1, "link": LINK + "staff/tickets/4"}],
    "ticket_opened": [{"ticket_id": 4, "status_link": LINK + "appeal/status/4.ab", "hold_until": LATER},
                      {"ticket_id": 4, "status_link": LINK + "appeal/status/4.ab", "hold_until": None}],
    "ticket_reply": [{"ticket_id": 4, "status_link": LINK + "appeal/status/4.ab", "request_info": flag}
                     for flag in (True, False)],
    "ticket_sla_warning": [{"ticket_id": 4, "deadline": LATER, "link": LINK + "staff/tickets/4"}],
    "ticket_survey": [{"ticket_id": 4, "status_link": LINK + "appeal/status/4.ab"}],
    "ticket_updated": [{"ticket_id": 4, "status_link": LINK + "appeal/status/4.ab", "change": "merged"}],
    "verify_email": [{"code": "12345678", "minutes": 15, "link": LINK + "verify"}],
}
CASES = [(name, index) for name, samples in SAMPLES.items() for index in range(len(samples))]
ENGLISH_RUN = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?(?:[ ,]+[A-Za-z]+(?:['’][A-Za-z]+)?){2,}")


def render(app, name: str, index: int, locale: str):
    context = {**COMMON, **TYPED[locale], **SAMPLES[name][index]}
    with app.test_request_context("/"):
        return compose_email(name, locale, **context)


class _Blocks(HTMLParser):
    """The HTML part's readable blocks (paragraphs, headings, cells, buttons) and its links."""

    BLOCKS = {"p", "h1", "h2", "td", "a", "li"}

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self.links: list[str] = []
        self._open: list[list[str]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("title", "head"):
            self._skip += 1
        if tag == "a":
            self.links.append(dict(attrs)["href"])
        if tag in self.BLOCKS:
            if self._open:
                self._open[-1].append(None)  # holds a block of its own: only the innermost blocks are compared
            self._open.append([])

    def handle_endtag(self, tag):
        if tag in ("title", "head"):
            self._skip -= 1
        if tag in self.BLOCKS and self._open:
            chunks = self._open.pop()
            text = " ".join("".join(c for c in chunks if c is not None).split())
            if text and None not in chunks:
                self.blocks.append(text)

    def handle_data(self, data):
        if not self._skip:
            if self._open:
                self._open[-1].append(data)


def blocks_of(html: str) -> _Blocks:
    parser = _Blocks()
    parser.feed(html)
    return parser


def flat(text: str) -> str:
    return " ".join(text.replace("> ", " ").split())


def test_every_email_template_has_samples():
    names = {p.name for p in (Path(PROJECT_ROOT) / "templates" / "email").iterdir() if p.is_dir()}
    assert names == set(SAMPLES)


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
@pytest.mark.parametrize("name, index", CASES)
def test_text_part_says_what_the_html_part_says(app, name, index, locale):
    email = render(app, name, index, locale)
    html = blocks_of(email.html)
    text = flat(email.text)
    missing = [block for block in html.blocks if flat(block) not in text]
    assert not missing, f"in the HTML part only: {missing}"
    assert sorted(set(html.links)) == sorted(set(re.findall(r"https://[^\s<>\"]+", email.text)))
    assert email.subject in email.text and f"<title>{email.subject}</title>" in email.html
    assert not re.search(r"\bNone\b", email.text), "a missing value printed as None"


@pytest.mark.parametrize("name, index", CASES)
def test_chinese_email_has_no_english_sentence(app, name, index):
    email = render(app, name, index, "zh_Hans")
    for part in (email.subject, email.text, " ".join(blocks_of(email.html).blocks)):
        words = re.sub(r"https://\S+|\S+@\S+|Firefox 125 · Linux|Berlin, DE", " ", part)
        assert not ENGLISH_RUN.findall(words), f"{name}: English in the Chinese email: {ENGLISH_RUN.findall(words)}"


@pytest.mark.parametrize("name, index", CASES)
def test_every_time_reads_the_one_way(app, name, index):
    email = render(app, name, index, "en")
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\(UTC\)|UTC UTC", email.text)
    for moment in (AT, LATER):
        if moment.strftime("%b %-d, %Y") in email.text:
            assert "Mar" in email.text and moment.strftime("%b %-d, %Y %H:%M UTC") in email.text


def test_email_time_is_one_format_in_the_readers_language(app):
    from flask_babel import force_locale

    with app.test_request_context("/"):
        assert email_time(AT) == "Mar 2, 2026 09:05 UTC"
        with force_locale("zh_Hans"):
            assert email_time(AT) == "2026年3月2日 09:05 UTC"
        assert email_time(None) == ""


def test_email_time_follows_the_accounts_time_zone_when_it_has_one(app):
    from types import SimpleNamespace

    from flask_babel import force_locale

    shanghai, unknown = SimpleNamespace(time_zone="Asia/Shanghai"), SimpleNamespace(time_zone="Mars/Olympus")
    with app.test_request_context("/"):
        assert email_time(AT, shanghai) == "Mar 2, 2026 17:05 China Standard Time"
        assert email_time(AT, unknown) == email_time(AT, SimpleNamespace()) == "Mar 2, 2026 09:05 UTC"
        with force_locale("zh_Hans"):
            assert email_time(AT, shanghai) == "2026年3月2日 17:05 中国标准时间"
        email = compose_email("password_changed", "en", **COMMON, recipient=shanghai, sessions_revoked=1)
    assert "Mar 2, 2026 17:05 China Standard Time" in email.text


@pytest.mark.parametrize("index", [0, 1, 2])
def test_was_this_you_is_two_buttons_each_on_its_own_row(app, index):
    html = render(app, "new_signin", index, "en").html
    paragraphs = re.findall(r"<p[^>]*>.*?</p>", html, flags=re.S)
    assert not any(p.count("<a ") > 1 for p in paragraphs)  # never two small links side by side
    tables = [t for t in re.findall(r"<table[^>]*>.*?</table>", html, flags=re.S) if "<a " in t]
    assert [re.search(r'href="([^"]+)"', t).group(1).rsplit("/", 2)[-2] for t in tables] == ["confirm", "secure"]


def test_what_a_person_typed_is_escaped_in_the_html_part(app):
    with app.test_request_context("/"):
        email = compose_email("account_status_changed", "en", **COMMON, status="banned", previous="active",
                              reason="<script>alert(1)</script>", appeal_link=LINK + "appeal")
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html
    assert "<script>alert(1)</script>" in email.text


def test_ban_email_links_to_the_appeal(app):
    email = render(app, "account_status_changed", 0, "en")
    assert LINK + "appeal" in blocks_of(email.html).links and "appeal" in email.text.lower()


def test_active_again_says_nothing_of_the_internal_reason(app):
    """A ticket decision lifts a restriction with the reason "Ticket 4: ..." (English, for staff); the holder's
    email says the account is active again, and the decision email says why."""
    with app.test_request_context("/"):
        email = compose_email("account_status_changed", "zh_Hans", **COMMON, status="active", previous="banned",
                              reason="Ticket 4: documents checked")
    assert "Ticket 4" not in email.text and "Ticket 4" not in email.html
