"""Staff: roles enforced on pages and API; status changes with a reason end sessions and tell the holder."""

from __future__ import annotations

import pytest
from helpers.people import PASSWORD


def _status_by(people, role, user_id, status, reason):
    """Sign in as a fresh staff member of `role` and post the status form of the account's page."""
    people.staff(f"{role}@example.com", role)
    people.sign_in(f"{role}@example.com")
    page = f"/staff/accounts/{user_id}"
    return people.post_form(f"{page}/status", {"status": status, "reason": reason}, page=page)


@pytest.mark.parametrize("path", ["/staff/", "/staff/accounts/1"])
def test_staff_pages_refuse_a_plain_user_with_403(client, people, ada, path):
    people.sign_in("ada@example.com")
    assert client.get(path).status_code == 403


def test_staff_pages_send_anonymous_visitors_to_sign_in(client):
    response = client.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/signin")


def test_staff_lookup_finds_an_account_and_shows_status_sessions_and_events(client, people, ada):
    people.token("ada@example.com")
    people.staff("agent@example.com", "agent")
    people.sign_in("agent@example.com")
    response = client.get("/staff/?email=ADA@example.com")
    assert response.status_code == 302 and response.headers["Location"] == f"/staff/accounts/{ada}"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ada@example.com" in html and "Active" in html
    assert "Sign out every session" in html and "Recent security events" in html
    assert "Change status" not in html  # agents look, they do not change status
    assert "argon2" not in html and "password_hash" not in html


def test_staff_lookup_unknown_address_says_so(client, people):
    people.staff("agent@example.com", "agent")
    people.sign_in("agent@example.com")
    html = client.get("/staff/?email=nobody@example.com").get_data(as_text=True)
    assert "No account has the address nobody@example.com." in html


def test_staff_agent_cannot_change_status(client, people, ada):
    response = _status_by(people, "agent", ada, "banned", "spam")
    assert response.status_code == 403
    assert people.get(ada).status == "active"


def test_staff_security_bans_with_a_reason_ends_sessions_and_tells_the_holder(client, people, ada, outbox):
    token = people.token("ada@example.com")
    response = _status_by(people, "security", ada, "banned", "Selling accounts")
    assert response.status_code == 302
    user = people.get(ada)
    assert (user.status, user.status_reason) == ("banned", "Selling accounts")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert all(s.revoked_reason == "account_banned" for s in people.sessions_of(ada))
    [notice] = outbox(to="ada@example.com", template="account_status_changed")
    assert "Selling accounts" in notice.payload["text"] and "banned" in notice.payload["subject"].lower()
    [event] = people.events("account.status.changed", ada)
    assert event.actor_type == "staff" and event.details["status"] == "banned"


def test_staff_status_form_without_reason_rerenders_with_the_message(client, people, ada):
    response = _status_by(people, "security", ada, "suspended", " ")
    assert response.status_code == 400
    assert "Give a reason; the account holder will be told." in response.get_data(as_text=True)


def test_staff_status_form_without_csrf_answers_400(client, people, ada):
    people.staff("sec@example.com", "security")
    people.sign_in("sec@example.com")
    response = client.post(f"/staff/accounts/{ada}/status", data={"status": "banned", "reason": "x"})
    assert response.status_code == 400 and people.get(ada).status == "active"


def test_staff_security_cannot_change_a_staff_account_but_admin_can(client, people):
    agent = people.staff("agent@example.com", "agent")
    people.staff("sec@example.com", "security")
    people.staff("admin@example.com", "admin")
    people.sign_in("sec@example.com")
    page = f"/staff/accounts/{agent}"
    assert people.post_form(f"{page}/status", {"status": "locked", "reason": "x"}, page=page).status_code == 403
    people.sign_in("admin@example.com")
    assert people.post_form(f"{page}/status", {"status": "locked", "reason": "x"}, page=page).status_code == 302


def test_staff_cannot_change_their_own_status(client, people):
    admin = people.staff("admin@example.com", "admin")
    people.sign_in("admin@example.com")
    page = f"/staff/accounts/{admin}"
    assert people.post_form(f"{page}/status", {"status": "active", "reason": "x"}, page=page).status_code == 403


def test_staff_agent_revokes_every_session_of_an_account(client, people, ada):
    token = people.token("ada@example.com")
    people.staff("agent@example.com", "agent")
    people.sign_in("agent@example.com")
    response = people.post_form(f"/staff/accounts/{ada}/sessions/revoke", page=f"/staff/accounts/{ada}")
    assert response.status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    [event] = people.events("session.revoked_all", ada)
    assert event.actor_type == "staff" and event.details["reason"] == "staff_revoked"


def test_status_notice_is_in_the_holders_language_and_goes_to_every_address(people, services, outbox):
    user_id = people.user("li@example.com", locale="zh_Hans")
    with services() as ctx:
        from recovery.accounts import service

        user = service.get_user(ctx, user_id)
        contact = service.add_contact_address(ctx, user, "li.backup@example.org")
        contact.verified_at = ctx.clock.now()
    people.set_status(user_id, "suspended", "Unusual activity")
    notices = outbox(template="account_status_changed")
    assert sorted(m.recipient for m in notices) == ["li.backup@example.org", "li@example.com"]
    assert all("已暂停" in m.payload["subject"] and "Unusual activity" in m.payload["text"] for m in notices)


def test_reactivated_account_can_sign_in_again(client, people, ada):
    people.set_status(ada, "locked", "Reported by the holder")
    assert client.post("/api/v1/sessions", json={"email": "ada@example.com", "password": PASSWORD}).status_code == 403
    people.set_status(ada, "active", "Holder proved control")
    assert client.post("/api/v1/sessions", json={"email": "ada@example.com", "password": PASSWORD}).status_code == 201
    assert people.get(ada).status_reason == "Holder proved control"


def test_create_staff_is_verified_at_once_with_the_role(people):
    staff_id = people.staff("sec@example.com", "security")
    user = people.get(staff_id)
    assert (user.role, user.is_verified, user.is_staff) == ("security", True, True)


def test_staff_user_row_never_leaks_through_the_api(client, people, ada):
    people.staff("sec@example.com", "security")
    body = client.put(f"/api/v1/accounts/{ada}/status", json={"status": "locked", "reason": "check"},
                      headers=people.bearer("sec@example.com")).get_json()
    assert "password_hash" not in body and body["status"] == "locked"


@pytest.mark.parametrize("status", ["banned", "locked"])
def test_one_staff_member_cannot_lift_a_ban_or_a_stolen_lock_directly(client, people, ada, status):
    if status == "banned":
        people.set_status(ada, "banned", "Spam")
    else:
        people.report_stolen(ada)  # the stolen-account reason is containment's alone
    response = client.put(f"/api/v1/accounts/{ada}/status", json={"status": "active", "reason": "looks fine"},
                          headers=_security_bearer(people))
    assert response.status_code == 403
    assert "second staff member" in response.get_json()["error"]["message"]
    assert people.get(ada).status == status


def test_an_ordinary_lock_can_still_be_lifted_by_security(client, people, ada):
    people.set_status(ada, "locked", "Suspicious activity")
    response = client.put(f"/api/v1/accounts/{ada}/status", json={"status": "active", "reason": "checked"},
                          headers=_security_bearer(people))
    assert response.status_code == 200 and people.get(ada).status == "active"


def _security_bearer(people) -> dict[str, str]:
    people.staff("security@example.com", "security")
    return people.bearer("security@example.com")


def test_staff_ending_every_session_tells_the_holder(client, people, ada, outbox):
    victim = people.bearer("ada@example.com")
    response = client.delete(f"/api/v1/accounts/{ada}/sessions", headers=_security_bearer(people))
    assert response.status_code == 200 and response.get_json()["revoked"] >= 1
    assert client.get("/api/v1/me", headers=victim).status_code == 401
    [notice] = outbox(to="ada@example.com", template="sessions_ended_by_staff")
    assert "signed your account ada@example.com out of every device" in notice.payload["text"]
