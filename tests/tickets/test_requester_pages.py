"""The requester's side: the front door's "Check my request", My requests for a signed-in account holder, and the
status page's tracker and promise, which show nothing written for staff."""

import re

from helpers.database import statements_sent
from helpers.tickets import PNG

from recovery.accounts.models import User
from recovery.alerts.actions import open_alert_ticket
from recovery.alerts.service import raise_alert
from recovery.detection.containment import secure_account
from recovery.tickets import decisions, queries, service
from recovery.tickets.access import status_token
from recovery.tickets.evidence import Upload
from recovery.tickets.models import Ticket

LINK = re.compile(r'href="(/appeal/status/[0-9]+\.[0-9a-f]+)"')


def _appeal(services, user_id, **kwargs) -> int:
    with services() as ctx:
        return service.open_ticket(ctx, category=kwargs.pop("category", "unblock_appeal"), user_id=user_id,
                                   subject="Appeal", message=kwargs.pop("message", "Please unlock my account."),
                                   source=kwargs.pop("source", "appeal"), **kwargs).id


def _status_page(client, services, ticket_id, **headers) -> str:
    with services() as ctx:
        token = status_token(ctx, ctx.session.get(Ticket, ticket_id))
    return client.get(f"/appeal/status/{token}", headers=headers).get_data(as_text=True)


def test_my_requests_lists_the_account_holders_own_requests_with_their_status_links(client, services, people):
    ada = people.add("ada@example.com")
    mine = _appeal(services, ada)
    theirs = _appeal(services, ada, category="account_recovery", source="recovery_request",
                     requester_email="someone.else@example.net", hold_hours=72)  # another contact's: not listed
    other = _appeal(services, people.add("bob@example.com"))
    people.sign_in(ada)
    html = client.get("/requests").get_data(as_text=True)
    assert f"Request #{mine}" in html and f"Request #{theirs}" not in html and f"Request #{other}" not in html
    assert "Our support team is reviewing your request." in html
    (link,) = LINK.findall(html)
    assert f"Request #{mine}" in client.get(link).get_data(as_text=True)


def test_my_requests_never_lists_a_case_staff_opened_from_an_alert_nor_its_status_link(client, services, people):
    """An alert's security case is not the person's own request: its status link is the case's key (it can reply
    as the owner), and a signed-in session may be the suspect's whose sign-in raised the alert."""
    ada = people.add("ada@example.com")
    staff = people.add("sec@example.com", role="security")
    with services() as ctx:
        alert = raise_alert(ctx, rule="impossible_travel", severity="high", user_id=ada, evidence={})
        case = open_alert_ticket(ctx, alert.id, ctx.session.get(User, staff)).id
    mine = _appeal(services, ada, category="mfa_reset")
    with services() as ctx:
        tokens = {i: status_token(ctx, ctx.session.get(Ticket, i)) for i in (case, mine)}
    people.sign_in(ada)
    html = client.get("/requests").get_data(as_text=True)
    assert f"Request #{case}" not in html and tokens[case] not in html
    assert f"Request #{mine}" in html and LINK.findall(html) == [f"/appeal/status/{tokens[mine]}"]


def test_my_requests_never_lists_the_stolen_account_case_containment_opened(services, people):
    """Containment's case link is sent only to the owner's addresses (detection.containment.CASE_STEP)."""
    ada = people.add("ada@example.com")
    with services() as ctx:
        contained = secure_account(ctx, ctx.session.get(User, ada), source="security_page").id
        mine = service.open_ticket(ctx, category="mfa_reset", user_id=ada, subject="Appeal", message="Reset it.",
                                   source="appeal").id
        assert [t.id for t in queries.requests_of_user(ctx, ada)] == [mine] != [contained]


def test_my_requests_signed_out_explains_where_the_status_link_is(client):
    response = client.get("/requests")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Find your status page" in html and 'href="/signin?next=/requests"' in html


def test_status_page_shows_no_system_line_and_no_internal_note(client, services, people):
    staff = people.staff("agent@example.com")
    ticket_id = _appeal(services, people.add("ada@example.com"), source="alert",
                        message="Opened from alert 1 (high, seen 1 times)")
    with services() as ctx:
        ticket = ctx.session.get(Ticket, ticket_id)
        service.add_note(ctx, ticket, ctx.session.get(User, staff), "Looks like a takeover to me")
        service.reply(ctx, ticket, ctx.session.get(User, staff), "Which city did you last sign in from?",
                      request_info=True)
    html = _status_page(client, services, ticket_id)
    assert "Opened from alert" not in html and "takeover to me" not in html
    assert "Which city did you last sign in from?" in html
    assert 'aria-current="step"' in html and "We need an answer from you." in html


def test_a_stolen_account_case_promises_the_hour_and_never_offers_an_appeal(client, services, people):
    ada = people.add("ada@example.com", locale="zh_Hans")
    with services() as ctx:
        ticket_id = secure_account(ctx, ctx.session.get(User, ada), source="email_button").id
    html = _status_page(client, services, ticket_id)
    assert "We answer urgent cases within 1 hour." in html and "Our security team is checking" in html
    assert "email_button" not in html and "appeal" not in html.lower().replace("/appeal/status/", "")
    chinese = _status_page(client, services, ticket_id, **{"Accept-Language": "zh-CN"})
    assert "紧急情况我们会在 1 小时内答复。" in chinese


def test_a_promise_in_days_for_a_low_priority_request(client, services, people):
    ticket_id = _appeal(services, people.add("ada@example.com"), priority=4)
    assert "We answer within 3 days." in _status_page(client, services, ticket_id)


def test_support_leads_to_the_front_door_whose_choices_lead_into_each_flow(client):
    assert client.get("/support").headers["Location"] == "/#help"
    html = client.get("/").get_data(as_text=True)
    for href in ("/forgot", "/secure-account", "/appeal?reason=account_locked", "/appeal?reason=lost_second_factor",
                 "/recover", "/requests", "/signin", "/signup"):
        assert f'href="{href}"' in html, href


def test_the_appeal_form_comes_with_the_reason_the_front_door_chose(client):
    html = client.get("/appeal?reason=lost_second_factor").get_data(as_text=True)
    assert '<option value="lost_second_factor" selected>' in html and "Still have your recovery codes?" in html


def test_status_page_shows_its_thread_files_and_decision_read_in_one_statement(app, client, services, people):
    """The page reads the ticket, its last decision, the messages written for the requester and their files in
    one statement, and checks the link on what it read."""
    ada = people.add("ada@example.com", status="banned")
    agent = people.staff("agent@example.com")
    ticket_id = _appeal(services, ada, message="Please unlock my account.")
    with services() as ctx:
        ticket = ctx.session.get(Ticket, ticket_id)
        service.requester_reply(ctx, ticket, "Here is my ID.", [Upload("id-card.png", PNG)])
        service.add_note(ctx, ticket, ctx.session.get(User, agent), "internal: check the ID")
        service.reply(ctx, ticket, ctx.session.get(User, agent), "Thanks, we are looking at it.")
        decisions.decide(ctx, ticket, ctx.session.get(User, agent), outcome="denied", reason="Repeated spam",
                         appeal_again_days=10)
    with services() as ctx:
        token = status_token(ctx, ctx.session.get(Ticket, ticket_id))
    with statements_sent(app) as statements:
        html = client.get(f"/appeal/status/{token}").get_data(as_text=True)
        refused = client.get(f"/appeal/status/{ticket_id}.{'0' * 64}")
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2  # the page's and the 400's
    thread = [html.index(text) for text in ("Please unlock my account.", "Here is my ID.",
                                            "Thanks, we are looking at it.")]
    assert thread == sorted(thread) and "internal: check the ID" not in html
    assert "id-card.png" in html and "Files you sent" in html
    assert "Repeated spam" in html and "You may appeal again after" in html
    assert refused.status_code == 400 and "Repeated spam" not in refused.get_data(as_text=True)
