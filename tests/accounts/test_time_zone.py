"""Times read in the person's zone: the browser reports its zone once (POST /time-zone, a cookie and, for an
account without one, the account), the holder can choose another on the security page (without JavaScript
too), every time on a page is in that zone with UTC on hover, and a zone zoneinfo does not know is refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from helpers.csrf import csrf_from, form_token
from helpers.people import People
from helpers.phone import enroll_totp

from recovery.accounts.models import User
from recovery.times import format_utc, format_when

SHANGHAI = "Asia/Shanghai"
PEOPLE = People


def _report(client, zone: str):
    return client.post("/time-zone", data={"csrf_token": form_token(client, "/"), "time_zone": zone})


def test_format_when_reads_in_the_zone_and_language_given():
    moment = datetime(2026, 12, 7, 16, 45, tzinfo=UTC)
    assert format_when(moment, zone=SHANGHAI, locale="zh_Hans", format="short") == "2026/12/8 00:45"
    assert format_when(moment, zone=SHANGHAI, locale="en", format="short") == "12/8/26, 12:45\u202fAM"
    assert format_when(moment, zone=None, locale="en", format="short") == "12/7/26, 4:45\u202fPM"
    assert format_utc(moment) == "2026-12-07 16:45 UTC"


def test_browser_report_sets_the_zone_of_an_account_without_one(client, people):
    ada = people.add("ada@example.com")
    people.sign_in(ada)
    assert 'data-known=""' in client.get("/security").get_data(as_text=True)  # the script will post
    assert _report(client, SHANGHAI).status_code == 204
    assert people.user(ada).time_zone == SHANGHAI
    assert "time-zone.js" not in client.get("/security").get_data(as_text=True)  # reported once


def test_browser_report_never_overrides_a_chosen_zone(client, people):
    ada = people.add("ada@example.com")
    people.sign_in(ada)
    page = client.get("/security").get_data(as_text=True)
    chosen = client.post("/security/time-zone", data={"csrf_token": csrf_from(page), "time_zone": "Europe/Paris"})
    assert chosen.status_code == 302
    assert _report(client, SHANGHAI).status_code == 204
    assert people.user(ada).time_zone == "Europe/Paris"


def test_security_page_shows_times_in_the_chosen_zone_with_utc_on_hover(client, people, clock):
    ada = people.add("ada@example.com")
    people.sign_in(ada)
    page = client.get("/security").get_data(as_text=True)
    client.post("/security/time-zone", data={"csrf_token": csrf_from(page), "time_zone": SHANGHAI})
    html = client.get("/security").get_data(as_text=True)
    now = clock.now()
    local = format_when(now, zone=SHANGHAI, locale="en", format="short")
    assert f'title="{format_utc(now)}">{local}</time>' in html
    assert re.search(rf'<option value="{SHANGHAI}" selected>', html)


def test_signed_out_pages_use_the_zone_the_browser_reported(client):
    assert 'data-known=""' in client.get("/").get_data(as_text=True)
    assert _report(client, SHANGHAI).status_code == 204
    assert "time-zone.js" not in client.get("/").get_data(as_text=True)


def test_unknown_zone_is_refused_with_a_translated_message(client, people):
    ada = people.add("ada@example.com")
    people.sign_in(ada)
    client.get("/language/zh_Hans")
    page = client.get("/security").get_data(as_text=True)
    for zone in ("Mars/Olympus_Mons", "../../etc/passwd", "", "x" * 100):
        answer = client.post("/security/time-zone", data={"csrf_token": csrf_from(page), "time_zone": zone})
        assert answer.status_code == 400 and "请从列表中选择一个时区。" in answer.get_data(as_text=True)
    assert _report(client, "Mars/Olympus_Mons").status_code == 400
    assert people.user(ada).time_zone is None


def test_time_zone_column_is_stored_per_account(people, services):
    ada = people.add("ada@example.com")
    with services() as ctx:
        user = ctx.session.get(User, ada)
        assert user.time_zone is None


def test_a_time_inside_a_sentence_is_markup_not_escaped_text(client, people, services):
    ada = people.add("ada@example.com")
    with services() as ctx:
        enroll_totp(ctx, ctx.session.get(User, ada))
    people.sign_in(ada)
    html = client.get("/security").get_data(as_text=True)
    assert "Authenticator app, set up <time datetime=" in html and "&lt;time" not in html


def test_an_old_zone_name_is_stored_by_its_current_one(client, people):
    ada = people.add("ada@example.com")
    people.sign_in(ada)
    assert _report(client, "Asia/Calcutta").status_code == 204
    assert people.user(ada).time_zone == "Asia/Kolkata"
    assert '<option value="Asia/Kolkata" selected>' in client.get("/security").get_data(as_text=True)


def test_emails_can_name_a_time_in_the_recipients_zone(app):
    moment = datetime(2026, 12, 7, 16, 45, tzinfo=UTC)
    with app.test_request_context():
        rendered = app.jinja_env.from_string("{{ time_in(at, zone) }}").render(at=moment, zone=SHANGHAI)
    assert rendered == "Dec 8, 2026, 12:45:00\u202fAM"
