"""The sessions API: list one's own sessions, revoke one (only one's own), sign out here or everywhere else."""

from __future__ import annotations


def _sessions(client, headers) -> list[dict]:
    response = client.get("/api/v1/sessions", headers=headers)
    assert response.status_code == 200
    return response.get_json()["sessions"]


def test_list_sessions_shows_every_live_session_and_marks_the_current_one(client, people, ada):
    people.sign_in("ada@example.com")
    headers = people.bearer("ada@example.com")
    listed = _sessions(client, headers)
    assert sorted(s["kind"] for s in listed) == ["api", "browser"]
    assert [s["current"] for s in listed if s["kind"] == "api"] == [True]
    assert all("token" not in key for s in listed for key in s)
    assert all(s["idle_expires_at"] <= s["expires_at"] for s in listed)


def test_revoke_one_session_by_id(client, people, ada):
    first = people.bearer("ada@example.com")
    second = people.bearer("ada@example.com")
    other_id = next(s["id"] for s in _sessions(client, first) if not s["current"])
    assert client.delete(f"/api/v1/sessions/{other_id}", headers=first).status_code == 204
    assert client.get("/api/v1/me", headers=second).status_code == 401
    assert client.get("/api/v1/me", headers=first).status_code == 200


def test_revoke_another_users_session_answers_404_and_leaves_it_alone(client, people, ada):
    people.user("bob@example.com")
    bob = people.bearer("bob@example.com")
    bob_session = _sessions(client, bob)[0]["id"]
    response = client.delete(f"/api/v1/sessions/{bob_session}", headers=people.bearer("ada@example.com"))
    assert response.status_code == 404
    assert client.get("/api/v1/me", headers=bob).status_code == 200


def test_revoke_unknown_session_answers_404(client, people, ada):
    response = client.delete("/api/v1/sessions/" + "x" * 300, headers=people.bearer("ada@example.com"))
    assert response.status_code == 404


def test_delete_current_signs_out_this_token(client, people, ada):
    headers = people.bearer("ada@example.com")
    assert client.delete("/api/v1/sessions/current", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert people.sessions_of(ada)[0].revoked_reason == "signed_out"


def test_delete_all_signs_out_everywhere_else(client, people, ada):
    people.sign_in("ada@example.com")
    others = [people.bearer("ada@example.com") for _ in range(2)]
    keep = people.bearer("ada@example.com")
    response = client.delete("/api/v1/sessions", headers=keep)
    assert response.status_code == 200 and response.get_json() == {"revoked": 3}
    assert all(client.get("/api/v1/me", headers=h).status_code == 401 for h in others)
    assert client.get("/api/v1/me", headers=keep).status_code == 200
    assert client.get("/security").status_code == 302  # the browser session ended too


def test_sessions_api_needs_a_token(client):
    assert client.get("/api/v1/sessions").status_code == 401
    assert client.delete("/api/v1/sessions").status_code == 401


def test_staff_lists_and_revokes_a_users_sessions(client, people, ada):
    victim = people.bearer("ada@example.com")
    people.staff("agent@example.com", "agent")
    staff = people.bearer("agent@example.com")
    listed = client.get(f"/api/v1/accounts/{ada}/sessions", headers=staff).get_json()["sessions"]
    assert len(listed) == 1 and listed[0]["current"] is False
    response = client.delete(f"/api/v1/accounts/{ada}/sessions", headers=staff)
    assert response.get_json() == {"revoked": 1}
    assert client.get("/api/v1/me", headers=victim).status_code == 401


def test_user_cannot_use_the_staff_session_endpoints(client, people, ada):
    people.user("bob@example.com")
    bob = people.bearer("bob@example.com")
    assert client.get(f"/api/v1/accounts/{ada}/sessions", headers=bob).status_code == 403
    assert client.delete(f"/api/v1/accounts/{ada}/sessions", headers=bob).status_code == 403


def test_staff_sessions_of_unknown_account_answer_404(client, people):
    people.staff("agent@example.com", "agent")
    assert client.get("/api/v1/accounts/424242/sessions",
                      headers=people.bearer("agent@example.com")).status_code == 404
