"""A restriction that needs two people to end (a ban, the owner's stolen-account lock, a staff account's restriction)
cannot be lifted or laundered through another status by one person, by any path; the CLI is the operator's
named exception."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from recovery.accounts import service
from recovery.accounts.models import AccountRestriction
from recovery.accounts.status import STOLEN_REASON
from recovery.context import Actor
from recovery.errors import PermissionDenied
from recovery.migrate import upgrade


def _put(client, people, user_id: int, status: str, reason: str, staff: str = "sec@example.com"):
    return client.put(f"/api/v1/accounts/{user_id}/status", json={"status": status, "reason": reason},
                      headers=people.bearer(staff))


def _page_post(people, user_id: int, status: str, reason: str):
    page = f"/staff/accounts/{user_id}"
    return people.post_form(f"{page}/status", {"status": status, "reason": reason}, page=page)


def _open_restrictions(people, user_id: int) -> list[AccountRestriction]:
    return [r for r in people.rows(AccountRestriction, user_id=user_id) if r.lifted_at is None]


@pytest.mark.parametrize("restrict, steps", [
    ("ban", [("suspended", "Appeal looks fair"), ("active", "Appeal looks fair")]),
    ("stolen", [("locked", "Checked by phone"), ("active", "Checked by phone")]),
], ids=["banned-suspended-active", "stolen-locked-active"])
def test_api_laundering_a_two_person_restriction_by_one_staff_member_is_refused_at_the_first_step(
        client, people, ada, restrict, steps):
    people.staff("sec@example.com", "security")
    if restrict == "ban":
        people.set_status(ada, "banned", "Fraud")
    else:
        people.report_stolen(ada)
    before = (people.get(ada).status, people.get(ada).status_reason)
    for status, reason in steps:
        response = _put(client, people, ada, status, reason)
        assert response.status_code == 403
        assert "second staff member" in response.get_json()["error"]["message"]
    assert (people.get(ada).status, people.get(ada).status_reason) == before
    [open_one] = _open_restrictions(people, ada)
    assert open_one.needs_two_staff and open_one.kind == restrict


def test_staff_page_replacing_a_ban_is_refused_with_a_translated_message_and_keeps_the_typed_reason(
        client, people, ada):
    people.set_status(ada, "banned", "Fraud")
    people.staff("sec@example.com", "security")
    people.sign_in("sec@example.com")
    response = _page_post(people, ada, "suspended", "Appeal reviewed on the phone")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "needs a second staff member&#39;s approval" in html
    assert "Appeal reviewed on the phone</textarea>" in html and '<option value="suspended" selected>' in html
    client.set_cookie("recovery_lang", "zh_Hans")
    html = _page_post(people, ada, "suspended", "电话核实").get_data(as_text=True)
    assert "需要另一名员工批准" in html and "电话核实</textarea>" in html
    assert people.get(ada).status == "banned"


def test_api_staff_account_status_change_needs_an_admin_and_lifting_needs_two(client, people):
    agent = people.staff("agent@example.com", "agent")
    people.staff("sec@example.com", "security")
    people.staff("admin@example.com", "admin")
    assert _put(client, people, agent, "suspended", "Review", staff="sec@example.com").status_code == 403
    assert _put(client, people, agent, "suspended", "Review", staff="admin@example.com").status_code == 200
    response = _put(client, people, agent, "active", "Review done", staff="admin@example.com")
    assert response.status_code == 403 and "two different admins" in response.get_json()["error"]["message"]
    assert people.get(agent).status == "suspended"
    [open_one] = _open_restrictions(people, agent)
    assert (open_one.kind, open_one.needs_two_staff) == ("staff_suspension", True)


def test_api_the_stolen_account_reason_is_containments_alone(client, people, ada):
    people.staff("sec@example.com", "security")
    response = _put(client, people, ada, "locked", STOLEN_REASON)
    assert response.status_code == 400 and "reason" in response.get_json()["error"]["fields"]
    assert people.get(ada).status == "active"


def test_service_without_a_staff_member_cannot_lift_any_restriction(people, services, ada):
    people.set_status(ada, "locked", "Suspicious activity")
    with pytest.raises(PermissionDenied), services(Actor("system", None, None, "some-job")) as ctx:
        service.set_account_status(ctx, service.get_user(ctx, ada), "active", "cleared by a job")
    assert people.get(ada).status == "locked"


def test_ending_a_restriction_records_who_decided_and_who_approved(people, services, ada):
    people.set_status(ada, "banned", "Fraud")
    first = people.staff("sec1@example.com", "security")
    second = people.staff("sec2@example.com", "security")
    with services(Actor("staff", second)) as ctx:
        approval = service.Approval(service.get_user(ctx, first), service.get_user(ctx, second), via="ticket:7")
        service.set_account_status(ctx, service.get_user(ctx, ada), "active", "Mistaken identity",
                                   approval=approval)
    [ended] = people.rows(AccountRestriction, user_id=ada)
    assert (ended.kind, ended.lifted_by, ended.lift_approved_by, ended.lifted_via) == ("ban", first, second,
                                                                                      "ticket:7")
    [event] = [e for e in people.events("account.status.changed", ada) if e.details["status"] == "active"]
    assert (event.details["decided_by"], event.details["approved_by"], event.details["ended"]) == (first, second,
                                                                                                    "ban")


def test_same_staff_member_as_decider_and_approver_is_refused(people, services, ada):
    people.set_status(ada, "banned", "Fraud")
    sec = people.staff("sec@example.com", "security")
    with pytest.raises(PermissionDenied), services(Actor("staff", sec)) as ctx:
        me = service.get_user(ctx, sec)
        service.set_account_status(ctx, service.get_user(ctx, ada), "active", "ok",
                                   approval=service.Approval(me, me, via="ticket:7"))
    assert people.get(ada).status == "banned"


def test_cli_set_status_is_the_operators_recorded_exception(app, people, ada):
    people.set_status(ada, "banned", "Fraud")
    result = app.test_cli_runner().invoke(args=["recovery", "set-status", "--email", "ada@example.com",
                                                "--status", "active", "--reason", "Operator decision"])
    assert result.exit_code == 0, result.output
    assert people.get(ada).status == "active"
    lifted = [e for e in people.events("account.status.changed", ada) if e.details["status"] == "active"]
    assert [e.details["authority"] for e in lifted] == ["operator"]
    [ended] = people.rows(AccountRestriction, user_id=ada)
    assert ended.lifted_via == "operator" and ended.lifted_at is not None


def test_migration_backfills_a_restriction_for_every_account_not_active(tmp_path):
    url = f"sqlite:///{tmp_path / 'backfill.db'}"
    upgrade(url, "0001")
    from recovery.db import make_engine

    engine = make_engine(url)
    rows = [("ban@example.com", "user", "banned", "Fraud"), ("stolen@example.com", "user", "locked", STOLEN_REASON),
            ("lock@example.com", "user", "locked", "Alert"), ("agent@example.com", "agent", "suspended", "Review"),
            ("ok@example.com", "user", "active", None)]
    with engine.begin() as connection:
        for email, role, status, reason in rows:
            connection.execute(text("INSERT INTO users (email, password_hash, password_changed_at, role, status, "
                                    "status_reason, locale, created_at) VALUES (:e, 'x', CURRENT_TIMESTAMP, :r, "
                                    ":s, :why, 'en', CURRENT_TIMESTAMP)"),
                               {"e": email, "r": role, "s": status, "why": reason})
    upgrade(url)
    with engine.connect() as connection:
        found = connection.execute(text("SELECT u.email, r.kind, r.needs_two_staff FROM account_restrictions r "
                                        "JOIN users u ON u.id = r.user_id ORDER BY u.email")).all()
    engine.dispose()
    assert [tuple(row) for row in found] == [("agent@example.com", "staff_suspension", 1),
                                             ("ban@example.com", "ban", 1), ("lock@example.com", "lock", 0),
                                             ("stolen@example.com", "stolen", 1)]
