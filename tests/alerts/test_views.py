"""The alert console: security staff only, filters, no self-refresh (a script of ours offers new alerts; a Refresh
link without it), actions on the account."""

from __future__ import annotations

import pytest
from helpers.csrf import csrf_from

from recovery.accounts.models import User
from recovery.alerts import service
from recovery.events.models import SecurityEvent
from recovery.sessions.models import UserSession
from recovery.tickets.models import Ticket


@pytest.fixture
def alert(services, ada) -> int:
    with services() as ctx:
        return service.raise_alert(ctx, rule="signin_blocked", severity="high", user_id=ada,
                                   source="203.0.113.9", evidence={"score": 130}).id


@pytest.fixture
def security(people, client) -> int:
    staff = people.add("sec@example.com", role="security")
    people.sign_in(staff)
    return staff


@pytest.mark.parametrize("role", ["user", "agent"])
def test_console_is_for_the_security_team(client, people, role):
    people.sign_in(people.add(f"{role}@example.com", role=role))
    assert client.get("/staff/alerts").status_code == 403


def test_console_anonymous_is_sent_to_sign_in(client):
    assert client.get("/staff/alerts").status_code == 302


def test_console_lists_filters_and_never_reloads_itself(client, security, alert, services):
    with services() as ctx:
        service.raise_alert(ctx, rule="credential_stuffing", severity="low", source="198.51.100.1")
    page = client.get("/staff/alerts")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'http-equiv="refresh"' not in html
    assert '<script src="/static/console-alerts.js" defer></script>' in html and "<script>" not in html
    assert '<a class="button secondary button-small" href="/staff/alerts">Refresh</a>' in html
    assert "Risky sign-in blocked" in html and "Credential stuffing from one source" in html
    assert "/staff/accounts/" in html  # the account's timeline
    filtered = client.get("/staff/alerts?min_severity=high").get_data(as_text=True)
    assert "Risky sign-in blocked" in filtered and "Credential stuffing" not in filtered
    assert "Alerts" in client.get("/staff/alerts").get_data(as_text=True)


def test_console_acknowledge_keeps_the_filters(client, security, alert, people):
    html = client.get("/staff/alerts?status=new").get_data(as_text=True)
    response = client.post(f"/staff/alerts/{alert}/acknowledge",
                           data={"csrf_token": csrf_from(html), "note": "mine", "back": "/staff/alerts?status=new"})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/alerts?status=new"
    evil = client.post(f"/staff/alerts/{alert}/resolve", data={"csrf_token": csrf_from(html),
                                                              "back": "//evil.example/staff/alerts"})
    assert evil.headers["Location"] == "/staff/alerts"


def test_console_locks_revokes_and_opens_a_ticket(client, security, alert, ada, people):
    people.token(ada)
    html = client.get("/staff/alerts").get_data(as_text=True)
    token = csrf_from(html)
    assert client.post(f"/staff/alerts/{alert}/revoke-sessions", data={"csrf_token": token}).status_code == 303
    assert all(s.revoked_at for s in people.rows(UserSession, UserSession.user_id == ada))
    assert client.post(f"/staff/alerts/{alert}/lock", data={"csrf_token": token}).status_code == 303
    assert people.user(ada).status == "locked"
    response = client.post(f"/staff/alerts/{alert}/ticket", data={"csrf_token": token})
    [ticket] = people.rows(Ticket, Ticket.user_id == ada)
    assert response.headers["Location"].endswith(f"/staff/tickets/{ticket.id}") or str(ticket.id) in \
        response.headers["Location"]
    assert (ticket.category, ticket.priority, ticket.queue) == ("stolen_account", 1, "security")


def test_webhooks_page_shows_the_secret_once_and_the_history(client, security):
    html = client.get("/staff/alerts/webhooks").get_data(as_text=True)
    created = client.post("/staff/alerts/webhooks", data={"csrf_token": csrf_from(html),
                                                          "url": "https://hooks.example.com/r",
                                                          "min_severity": "high"})
    assert created.status_code == 200 and 'class="secret"' in created.get_data(as_text=True)
    again = client.get("/staff/alerts/webhooks").get_data(as_text=True)
    assert "hooks.example.com" in again and 'class="secret"' not in again


@pytest.mark.parametrize("status, reason", [("locked", "Reported stolen by its owner"), ("banned", "Fraud"),
                                            ("suspended", "Checks")])
def test_console_does_not_offer_or_do_a_lock_on_an_account_already_restricted(client, security, alert, ada, people,
                                                                             status, reason):
    """Any restriction in force already blocks the account, and replacing the owner's stolen-account lock or a
    ban with an alert's lock would let one person end a restriction that needs two: no button, and the service
    refuses the form a stale page still shows."""
    token = csrf_from(client.get("/staff/alerts").get_data(as_text=True))
    with people.services() as ctx:
        ctx.session.get(User, ada).status, ctx.session.get(User, ada).status_reason = status, reason
    html = client.get("/staff/alerts").get_data(as_text=True)
    assert f"/staff/alerts/{alert}/lock" not in html and "Lock account" not in html
    response = client.post(f"/staff/alerts/{alert}/lock", data={"csrf_token": token})
    assert response.status_code == 409
    assert "This account is not active, so there is nothing to lock." in response.get_data(as_text=True)
    user = people.user(ada)
    assert (user.status, user.status_reason) == (status, reason)
    assert people.rows(SecurityEvent, SecurityEvent.type == "alert.action.locked") == []


def test_console_lock_of_a_staff_account_needs_an_admin(client, security, services, people):
    agent = people.add("agent@example.com", role="agent")
    with services() as ctx:
        alert_id = service.raise_alert(ctx, rule="signin_blocked", severity="high", user_id=agent,
                                       source="203.0.113.9", evidence={}).id
    html = client.get("/staff/alerts").get_data(as_text=True)
    assert f"/staff/alerts/{alert_id}/lock" not in html  # not offered to security staff
    assert client.post(f"/staff/alerts/{alert_id}/lock", data={"csrf_token": csrf_from(html)}).status_code == 403
    assert people.user(agent).status == "active"
