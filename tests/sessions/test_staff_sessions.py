"""Staff acting on another account's sessions: anyone's, but a staff account's only as an admin, by every door
(the sessions API, the staff account page, the alert console's "revoke sessions")."""

from __future__ import annotations

import pytest
from helpers.csrf import csrf_from
from helpers.people import People

from recovery.alerts import service as alerts
from recovery.sessions.models import UserSession

PEOPLE = People  # accounts as rows, staff with MFA enrolled and signed in past it (the staff guard lets them through)


@pytest.fixture
def admin(people) -> int:
    return people.staff("root@example.com", "admin")


@pytest.fixture
def agent(people) -> int:
    return people.staff("agent@example.com", "agent")


def _live(people, user_id: int) -> list[UserSession]:
    return people.rows(UserSession, UserSession.user_id == user_id, UserSession.revoked_at.is_(None))


@pytest.mark.parametrize("role", ["agent", "security"])
def test_staff_api_non_admin_on_an_admins_sessions_is_refused_403_and_ends_nothing(client, people, admin, role):
    people.token(admin)
    headers = people.headers(people.staff(f"{role}@example.test", role))
    listed = client.get(f"/api/v1/accounts/{admin}/sessions", headers=headers)
    ended = client.delete(f"/api/v1/accounts/{admin}/sessions", headers=headers)
    assert (listed.status_code, listed.get_json()["error"]["code"]) == (403, "forbidden")
    assert "sessions" not in listed.get_json()
    assert (ended.status_code, ended.get_json()["error"]["code"]) == (403, "forbidden")
    assert len(_live(people, admin)) == 1


def test_staff_api_agent_on_another_agents_sessions_is_refused_403(client, people, agent):
    other = people.staff("agent2@example.com", "agent")
    people.token(other)
    headers = people.headers(agent)
    assert client.get(f"/api/v1/accounts/{other}/sessions", headers=headers).status_code == 403
    assert client.delete(f"/api/v1/accounts/{other}/sessions", headers=headers).status_code == 403
    assert len(_live(people, other)) == 1


def test_staff_api_admin_lists_and_ends_an_agents_sessions(client, people, admin, agent):
    people.token(agent)
    headers = people.headers(admin)
    listed = client.get(f"/api/v1/accounts/{agent}/sessions", headers=headers)
    assert listed.status_code == 200 and len(listed.get_json()["sessions"]) == 1
    ended = client.delete(f"/api/v1/accounts/{agent}/sessions", headers=headers)
    assert ended.status_code == 200 and ended.get_json() == {"revoked": 1}
    assert _live(people, agent) == []


def test_staff_api_agent_lists_and_ends_an_ordinary_users_sessions(client, people, agent):
    ada = people.add("ada@example.com")
    people.token(ada)
    headers = people.headers(agent)
    listed = client.get(f"/api/v1/accounts/{ada}/sessions", headers=headers)
    assert listed.status_code == 200 and len(listed.get_json()["sessions"]) == 1
    assert client.delete(f"/api/v1/accounts/{ada}/sessions", headers=headers).get_json() == {"revoked": 1}
    assert _live(people, ada) == []


def test_staff_page_agent_sees_no_sessions_of_an_admin_and_cannot_end_them(client, people, admin, agent):
    people.token(admin)
    people.sign_in(agent)
    page = client.get(f"/staff/accounts/{admin}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Only an admin can see or end the sessions of a staff account." in html
    assert f"/staff/accounts/{admin}/sessions/revoke" not in html
    response = client.post(f"/staff/accounts/{admin}/sessions/revoke", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 403
    assert len(_live(people, admin)) == 1


def test_staff_page_admin_ends_an_agents_sessions(client, people, admin, agent):
    people.token(agent)
    people.sign_in(admin)
    html = client.get(f"/staff/accounts/{agent}").get_data(as_text=True)
    assert f"/staff/accounts/{agent}/sessions/revoke" in html
    response = client.post(f"/staff/accounts/{agent}/sessions/revoke", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302 and _live(people, agent) == []


def test_staff_page_agent_ends_an_ordinary_users_sessions(client, people, agent):
    ada = people.add("ada@example.com")
    people.token(ada)
    people.sign_in(agent)
    html = client.get(f"/staff/accounts/{ada}").get_data(as_text=True)
    response = client.post(f"/staff/accounts/{ada}/sessions/revoke", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302 and _live(people, ada) == []


def test_alert_console_security_cannot_end_an_admins_sessions(client, people, services, admin):
    people.token(admin)
    with services() as ctx:
        alert = alerts.raise_alert(ctx, rule="signin_blocked", severity="high", user_id=admin,
                                   source="203.0.113.9", evidence={}).id
    people.sign_in(people.staff("sec@example.com", "security"))
    token = csrf_from(client.get("/staff/alerts").get_data(as_text=True))
    response = client.post(f"/staff/alerts/{alert}/revoke-sessions", data={"csrf_token": token})
    assert response.status_code == 403 and len(_live(people, admin)) == 1
