"""A case staff open (from an alert) is their work, not a message to the account holder: no "we received your
request", no "we added your new message", and its opening note stays with staff."""

from __future__ import annotations

from recovery.accounts.models import User
from recovery.alerts.actions import open_alert_ticket
from recovery.alerts.service import raise_alert
from recovery.tickets.access import status_link
from recovery.tickets.models import Ticket, TicketMessage
from recovery.tickets.service import open_ticket


def test_opening_a_ticket_from_an_alert_twice_emails_the_holder_nothing(people, services, outbox):
    ada = people.add("ada@example.com")
    staff = people.add("sec@example.com", role="security")
    for rule in ("impossible_travel", "signin_blocked"):  # an alert opens one ticket; two alerts, the same case
        with services() as ctx:
            alert = raise_alert(ctx, rule=rule, severity="high", user_id=ada, evidence={})
            open_alert_ticket(ctx, alert.id, ctx.session.get(User, staff))
    [ticket] = people.rows(Ticket, Ticket.user_id == ada)
    assert outbox(to="ada@example.com") == []
    notes = people.rows(TicketMessage, TicketMessage.ticket_id == ticket.id)
    assert len(notes) == 2 and all(note.internal for note in notes)  # "Opened from alert 1 (high, seen 1 times)"


def test_the_status_page_of_a_staff_opened_case_says_what_it_is_in_plain_words(people, services, client):
    ada = people.add("ada@example.com")
    with services() as ctx:
        ticket = open_ticket(ctx, category="other", user_id=ada, subject="Security alert: impossible_travel",
                             message="Opened from alert 1 (high, seen 1 times).", source="alert", queue="security")
        path = status_link(ctx, ticket).split("recovery.example.test", 1)[1]
    page = client.get(path).get_data(as_text=True)
    assert "Opened from alert" not in page
    assert "Our security team opened this request" in page
    zh = client.get(path, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "我们的安全团队创建了此请求" in zh and "Opened from alert" not in zh


def test_a_requesters_own_repeat_is_still_acknowledged(people, services, outbox):
    ada = people.add("ada@example.com")
    for _ in range(2):
        with services() as ctx:
            open_ticket(ctx, category="unblock_appeal", user_id=ada, subject="Appeal", message="Please unlock.",
                        source="appeal")
    assert [m.template for m in outbox(to="ada@example.com")] == ["ticket_opened", "ticket_updated"]
