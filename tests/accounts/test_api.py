"""The accounts API: the caller's own account, and status changes by security staff or a moderation system."""

from __future__ import annotations

import pytest


def test_me_answers_the_signed_in_account_with_its_notification_addresses(client, people, ada):
    body = client.get("/api/v1/me", headers=people.bearer("ada@example.com")).get_json()
    assert body["id"] == ada and body["email"] == "ada@example.com" and body["email_verified"] is True
    assert body["role"] == "user" and body["status"] == "active"
    assert body["notification_addresses"] == ["ada@example.com"]
    assert "password_hash" not in body


def test_me_without_a_token_answers_401_json(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "authentication_required"


def test_me_with_a_browser_cookie_only_answers_401(client, people, ada):
    people.sign_in("ada@example.com")
    assert client.get("/api/v1/me").status_code == 401


def test_status_api_user_gets_403(client, people, ada):
    people.user("bob@example.com")
    response = client.put(f"/api/v1/accounts/{ada}/status", json={"status": "banned", "reason": "x"},
                          headers=people.bearer("bob@example.com"))
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


def test_status_api_agent_gets_403(client, people, ada):
    people.staff("agent@example.com", "agent")
    response = client.put(f"/api/v1/accounts/{ada}/status", json={"status": "banned", "reason": "x"},
                          headers=people.bearer("agent@example.com"))
    assert response.status_code == 403


def test_status_api_security_bans_and_the_session_dies(client, people, ada, outbox):
    victim = people.bearer("ada@example.com")
    people.staff("moderation@example.com", "security")
    response = client.put(f"/api/v1/accounts/{ada}/status", json={"status": "banned", "reason": "Spam"},
                          headers=people.bearer("moderation@example.com"))
    assert response.status_code == 200
    body = response.get_json()
    assert (body["id"], body["status"], body["status_reason"]) == (ada, "banned", "Spam")
    assert client.get("/api/v1/me", headers=victim).status_code == 401
    assert outbox(to="ada@example.com", template="account_status_changed")


@pytest.mark.parametrize("body, field", [
    ({"status": "deleted", "reason": "x"}, "status"),
    ({"status": "banned"}, "reason"),
    ({"status": "banned", "reason": "x" * 501}, "reason"),
    ({"reason": "x"}, "status"),
])
def test_status_api_invalid_body_answers_400_with_fields(client, people, ada, body, field):
    people.staff("sec@example.com", "security")
    response = client.put(f"/api/v1/accounts/{ada}/status", json=body, headers=people.bearer("sec@example.com"))
    assert response.status_code == 400 and field in response.get_json()["error"]["fields"]


def test_status_api_unknown_account_answers_404(client, people):
    people.staff("sec@example.com", "security")
    response = client.put("/api/v1/accounts/999999/status", json={"status": "banned", "reason": "x"},
                          headers=people.bearer("sec@example.com"))
    assert response.status_code == 404


def test_status_api_admin_passes_the_security_check(client, people, ada):
    people.staff("admin@example.com", "admin")
    response = client.put(f"/api/v1/accounts/{ada}/status", json={"status": "suspended", "reason": "Review"},
                          headers=people.bearer("admin@example.com"))
    assert response.status_code == 200


def test_openapi_document_describes_the_accounts_and_sessions_api(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/accounts", "/api/v1/accounts/verify", "/api/v1/accounts/verify/resend", "/api/v1/me",
            "/api/v1/sessions", "/api/v1/sessions/current", "/api/v1/sessions/{session_id}",
            "/api/v1/accounts/{user_id}/status", "/api/v1/accounts/{user_id}/sessions"} <= set(paths)
    assert "201" in paths["/api/v1/sessions"]["post"]["responses"]
    assert paths["/api/v1/accounts"]["post"]["security"] == []
