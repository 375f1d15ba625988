"""What the queue's rows say: subjects in the console's language (the stored English text kept for the API),
SLA countdowns in words of both languages, the deadline in the agent's zone with UTC on hover, the requester's
language."""

import pytest
from flask import render_template_string
from flask_babel import force_locale, gettext

from recovery.accounts.models import User
from recovery.alerts import labels as alert_labels  # noqa: F401 - registers the alert rules' names
from recovery.tickets import service, sla
from recovery.tickets.labels import ticket_subject
from recovery.tickets.models import Ticket

PAGE = "/staff/tickets"


@pytest.mark.parametrize(("source", "stored", "english", "chinese"), [
    ("appeal", "Appeal: My account is locked", "Appeal: My account is locked", "申诉：我的账号被锁定了"),
    ("recovery_request", "Account recovery: a***@example.com", "Account recovery: a***@example.com",
     "账号找回：a***@example.com"),
    ("alert", "Security alert: brute_force", "Security alert: Brute force on an account",
     "安全警报：针对账号的暴力破解"),
    ("alert", "Security alert: a_rule_from_later", "Security alert: a_rule_from_later",
     "安全警报：a_rule_from_later"),
    ("secure_account", "Account reported stolen", "Account reported by its owner as stolen", "账号主人报告账号被盗"),
    ("assistant", "Assistant: lost email", "Assistant: Lost access to email", "智能助手：无法访问邮箱"),
    ("assistant", "Assistant: stolen", "Assistant: Stolen account", "智能助手：账号被盗"),
    ("contact", "Contact: Where is my refund?", "Contact: Where is my refund?", "联系客服：Where is my refund?"),
    ("staff", "Call back about the invoice", "Call back about the invoice", "Call back about the invoice"),
    ("appeal", "Something a person typed", "Something a person typed", "Something a person typed"),
])
def test_a_subject_reads_in_the_consoles_language(app, source, stored, english, chinese):
    with app.test_request_context():
        with force_locale("en"):
            assert ticket_subject(source, stored, gettext) == english
        with force_locale("zh_Hans"):
            assert ticket_subject(source, stored, gettext) == chinese


def test_the_ticket_subject_filter_is_there_for_every_console_page(app):
    ticket = Ticket(source="appeal", subject="Appeal: My account is locked")
    with app.test_request_context(), force_locale("zh_Hans"):
        assert render_template_string("{{ ticket|ticket_subject }}", ticket=ticket) == "申诉：我的账号被锁定了"


@pytest.mark.parametrize(("seconds", "english", "chinese"), [
    (2 * 3600 + 5 * 60 + 59, "2 h 05 min left", "剩余 2 小时 05 分钟"),
    (-12 * 60, "overdue by 12 min", "已超时 12 分钟"),
    (3 * 86400 + 4 * 3600, "3 d 4 h left", "剩余 3 天 4 小时"),
    (30, "0 min left", "剩余 0 分钟"),
])
def test_a_countdown_reads_in_words_in_both_languages(app, seconds, english, chinese):
    with app.test_request_context():
        with force_locale("en"):
            assert sla.countdown_text(seconds, gettext) == english
        with force_locale("zh_Hans"):
            assert sla.countdown_text(seconds, gettext) == chinese


def test_the_chinese_queue_shows_subjects_countdowns_and_the_deadline_in_the_agents_zone(
        client, services, people):
    ada = people.add("ada@example.com", status="locked", locale="zh_Hans")
    with services() as ctx:
        ctx.locale = "zh_Hans"  # the language the requester wrote in
        ticket_id = service.open_ticket(ctx, category="unblock_appeal", user_id=ada, priority=1,
                                        subject="Appeal: My account is locked", message="m", source="appeal").id
    agent = people.add("agent@example.com", role="agent", locale="zh_Hans")
    with services() as ctx:
        ctx.session.get(User, agent).time_zone = "Asia/Shanghai"
    people.sign_in(agent)
    html = client.get(PAGE).get_data(as_text=True)
    row = html.split(f'value="{ticket_id}"', 1)[1].split("</tr>", 1)[0]
    assert "申诉：我的账号被锁定了" in row and "Appeal:" not in row
    assert "剩余 1 小时 00 分钟" in row  # P1: first response within the hour (the clock is frozen)
    # 10:00 UTC is 18:00 in Shanghai; UTC on hover, the instant in the attribute
    assert 'datetime="2026-03-02T10:00:00+00:00" title="2026-03-02 10:00 UTC">2026/3/2 18:00</time>' in row
    assert ">中文</td>" in row  # the requester's language
    api = client.get(f"/api/v1/tickets/{ticket_id}", headers=people.headers(agent)).get_json()
    assert api["subject"] == "Appeal: My account is locked"  # stored text, unchanged for the API


def test_a_kept_row_is_never_another_viewers_nor_an_older_minutes(client, services, people, clock):
    """Rows' HTML is kept between requests (queue_views._KEPT_ROWS): by viewer, by minute, by the row's values."""
    first = people.staff("first@example.com")
    second = people.staff("second@example.com")
    ada = people.add("ada@example.com", status="locked")
    with services() as ctx:
        ticket = service.open_ticket(ctx, category="unblock_appeal", user_id=ada, priority=1, subject="Appeal",
                                     message="m", source="appeal")
        service.claim(ctx, ticket, ctx.session.get(User, first))
        ticket_id = ticket.id

    def row_as(user_id: int) -> str:
        people.sign_in(user_id)
        return client.get(PAGE).get_data(as_text=True).split(f'value="{ticket_id}"', 1)[1].split("</tr>", 1)[0]

    assert '<td data-label="Owner">me</td>' in row_as(first)
    assert '<td data-label="Owner">first@example.com</td>' in row_as(second)
    assert '<td data-label="Owner">me</td>' in row_as(first)
    assert "1 h 00 min left" in row_as(first)
    clock.advance(minutes=2)
    assert "58 min left" in row_as(first)
    with services() as ctx:
        service.claim(ctx, ctx.session.get(Ticket, ticket_id), ctx.session.get(User, second))
    assert '<td data-label="Owner">second@example.com</td>' in row_as(first)
