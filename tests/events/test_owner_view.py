"""What the account holder sees of their own security events, on the security page and in GET /api/v1/events:
labels in their language, staff named by team, never a staff member's IP, browser, identity or notes; the IP
and device of what happened on their own side (a failed sign-in from some address) stay visible."""

from __future__ import annotations

import pytest
from helpers.people import PASSWORD

from recovery.tickets.service import open_ticket

EMAIL = "ada@example.com"
STAFF_IP = "192.0.2.55"
STAFF_AGENT = "StaffConsoleBrowser/9.9 (agent workstation 42)"
INTERNAL_REASON = "Internal: same device as the fraud ring, do not tell"
ATTACKER_IP = "203.0.113.77"


@pytest.fixture
def denied(client, people, services) -> dict:
    """Ada's appeal, denied by an agent through the staff API from the agent's own address and browser."""
    ada = people.add(EMAIL)
    with services() as ctx:
        ticket_id = open_ticket(ctx, category="unblock_appeal", user_id=ada, subject="Appeal", message="please",
                                source="appeal").id
    agent = people.staff("agent@example.com")
    response = client.post(f"/api/v1/tickets/{ticket_id}/decisions",
                           json={"outcome": "denied", "reason": INTERNAL_REASON, "message": "Sorry."},
                           headers={**people.headers(agent), "User-Agent": STAFF_AGENT},
                           environ_base={"REMOTE_ADDR": STAFF_IP})
    assert response.status_code in (200, 201), response.get_json()
    return {"ada": ada, "ticket": ticket_id}


def assert_no_staff_traces(text: str) -> None:
    for secret in (STAFF_IP, STAFF_AGENT, "StaffConsoleBrowser", INTERNAL_REASON, "agent@example.com"):
        assert secret not in text, secret


def test_security_page_after_staff_decision_shows_the_label_not_the_staff_ip_or_browser(client, people, denied):
    people.sign_in(denied["ada"])
    html = client.get("/security").get_data(as_text=True)
    assert "Our support team denied your appeal" in html and f"Request #{denied['ticket']}" in html
    assert_no_staff_traces(html)
    assert "ticket.decision.denied" not in html


def test_security_page_in_chinese_after_staff_decision_shows_the_label_not_the_staff_ip_or_browser(
        client, people, denied):
    people.sign_in(denied["ada"])
    client.get("/language/zh_Hans")
    html = client.get("/security").get_data(as_text=True)
    assert "我们的客服团队拒绝了您的申诉" in html
    assert "denied your appeal" not in html
    assert_no_staff_traces(html)
    assert "ticket.decision.denied" not in html


def test_own_events_api_after_staff_decision_names_the_team_and_hides_staff_traces(client, people, denied):
    response = client.get("/api/v1/events", headers=people.headers(denied["ada"]))
    assert response.status_code == 200
    assert_no_staff_traces(response.get_data(as_text=True))
    [decision] = [e for e in response.get_json()["events"] if e["type"] == "ticket.decision.denied"]
    assert decision["label"] == "Support denied your appeal" and decision["request_id"] == denied["ticket"]
    assert decision["sentence"] == "Our support team denied your appeal"
    assert (decision["actor"], decision["actor_label"], decision["ip"], decision["device"]) == (
        "support", "Support team", None, None)
    assert "details" not in decision and "user_agent" not in decision


def test_own_events_api_in_chinese_translates_the_labels(client, people, denied):
    client.get("/language/zh_Hans")
    events = client.get("/api/v1/events", headers=people.headers(denied["ada"])).get_json()["events"]
    [decision] = [e for e in events if e["type"] == "ticket.decision.denied"]
    assert (decision["label"], decision["actor_label"]) == ("客服拒绝了您的申诉", "客服团队")
    assert decision["sentence"] == "我们的客服团队拒绝了您的申诉"


def test_security_page_shows_the_address_of_a_failed_signin_on_the_account(client, people):
    """Someone else's wrong password on her account is her own useful information: its IP is shown."""
    ada = people.add(EMAIL)
    stranger = client.application.test_client()
    assert stranger.post("/api/v1/sessions", json={"email": EMAIL, "password": PASSWORD + "x"},
                         environ_base={"REMOTE_ADDR": ATTACKER_IP}).status_code == 401
    people.sign_in(ada)
    html = client.get("/security").get_data(as_text=True)
    assert "Failed sign-in" in html and ATTACKER_IP in html


def test_internal_staff_workflow_events_are_left_out_of_the_owner_view(client, people, services):
    from recovery.context import Actor
    from recovery.events.service import record_event

    ada = people.add(EMAIL)
    with services(Actor("staff", people.staff("sec@example.com", role="security"), STAFF_IP, STAFF_AGENT)) as ctx:
        record_event(ctx, "alert.raised", user_id=ada, rule="signin_blocked")
        record_event(ctx, "alert.action.locked", user_id=ada, alert_id=1)
    events = client.get("/api/v1/events?type=alert.", headers=people.headers(ada)).get_json()["events"]
    assert [(e["type"], e["actor_label"], e["ip"]) for e in events] == [("alert.action.locked", "Security team", None)]
