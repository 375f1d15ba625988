"""The alerts API for staff tokens: role checks on every endpoint, filters and cursor, acknowledge and resolve."""

from __future__ import annotations

import pytest

from recovery.alerts import service

ENDPOINTS = [
    ("get", "/api/v1/alerts", None),
    ("get", "/api/v1/alerts/{alert}", None),
    ("post", "/api/v1/alerts/{alert}/acknowledge", {}),
    ("post", "/api/v1/alerts/{alert}/resolve", {}),
    ("post", "/api/v1/webhooks", {"url": "https://hooks.example.com/recovery"}),
    ("get", "/api/v1/webhooks", None),
    ("get", "/api/v1/webhooks/{webhook}/deliveries", None),
    ("delete", "/api/v1/webhooks/{webhook}", None),
]


@pytest.fixture
def alert(services) -> int:
    with services() as ctx:
        return service.raise_alert(ctx, rule="brute_force", severity="medium", source="203.0.113.9").id


@pytest.fixture
def webhook(client, people) -> int:
    admin = people.headers(people.add("root@example.com", role="admin"))
    return client.post("/api/v1/webhooks", headers=admin, json={"url": "https://a.example.com/h"}).get_json()["id"]


@pytest.mark.parametrize("method, path, body", ENDPOINTS)
@pytest.mark.parametrize("role, expected", [(None, 401), ("user", 403), ("agent", 403), ("security", None),
                                            ("admin", None)])
def test_every_alert_endpoint_checks_the_role(client, people, alert, webhook, method, path, body, role, expected):
    headers = people.headers(people.add(f"{role}@example.com", role=role)) if role else {}
    response = getattr(client, method)(path.format(alert=alert, webhook=webhook), headers=headers,
                                       **({"json": body} if body is not None else {}))
    if expected is None:
        assert response.status_code in (200, 201, 204), response.get_json()
    else:
        assert response.status_code == expected


def test_browser_session_cookie_does_not_open_the_api(client, people):
    people.sign_in(people.add("sec@example.com", role="security"))
    assert client.get("/api/v1/alerts").status_code == 401


def test_list_with_filters_and_cursor(client, people, services):
    headers = people.headers(people.add("sec@example.com", role="security"))
    with services() as ctx:
        for n in range(3):
            service.raise_alert(ctx, rule="credential_stuffing", severity="high", source=f"203.0.113.{n}")
        service.raise_alert(ctx, rule="brute_force", severity="low")
    first = client.get("/api/v1/alerts?limit=2", headers=headers).get_json()
    assert len(first["alerts"]) == 2 and first["next_cursor"]
    rest = client.get(f"/api/v1/alerts?limit=2&cursor={first['next_cursor']}", headers=headers).get_json()
    assert len(rest["alerts"]) == 2 and rest["next_cursor"] is None
    high = client.get("/api/v1/alerts?min_severity=high&status=new", headers=headers).get_json()["alerts"]
    assert {a["rule"] for a in high} == {"credential_stuffing"}
    assert client.get("/api/v1/alerts?cursor=bogus", headers=headers).status_code == 400
    assert client.get("/api/v1/alerts?status=maybe", headers=headers).status_code == 400


def test_acknowledge_and_resolve(client, people, alert):
    me = people.add("sec@example.com", role="security")
    headers = people.headers(me)
    body = client.post(f"/api/v1/alerts/{alert}/acknowledge", headers=headers, json={"note": "on it"}).get_json()
    assert (body["status"], body["assignee_id"], body["note"]) == ("acknowledged", me, "on it")
    body = client.post(f"/api/v1/alerts/{alert}/resolve", headers=headers, json={"note": "blocked"}).get_json()
    assert body["status"] == "resolved" and body["resolved_at"]
    again = client.post(f"/api/v1/alerts/{alert}/resolve", headers=headers, json={})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "alert_resolved"
    assert client.post("/api/v1/alerts/99999/acknowledge", headers=headers, json={}).status_code == 404


def test_webhook_secret_is_shown_once(client, people):
    headers = people.headers(people.add("sec@example.com", role="security"))
    created = client.post("/api/v1/webhooks", headers=headers,
                          json={"url": "https://hooks.example.com/x?token=abc", "min_severity": "high"}).get_json()
    assert len(created["secret"]) >= 40 and created["url"] == "https://hooks.example.com"
    [listed] = client.get("/api/v1/webhooks", headers=headers).get_json()["webhooks"]
    assert "secret" not in listed and listed["min_severity"] == "high"
