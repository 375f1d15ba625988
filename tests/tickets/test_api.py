"""The JSON API: requester intake answers the same for every email, the status twin, and the staff endpoints
with their role checks, cursor pages, timeline and four-eyes decisions."""

import pytest
from helpers.csrf import csrf_from
from helpers.mail import code_in

from recovery.tickets import service
from recovery.tickets.access import status_token
from recovery.tickets.models import Ticket, TicketMessage
from recovery.web.context import runtime


def _appeal(client, email="ada@example.com"):
    return client.post("/api/v1/appeals", json={"email": email, "reason": "account_locked",
                                                "message": "I was locked out"})


def test_appeal_answers_202_the_same_for_known_and_unknown_emails(client, people):
    people.add("ada@example.com", status="locked")
    known, unknown = _appeal(client), _appeal(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json()
    assert {name for name, _ in known.headers} == {name for name, _ in unknown.headers}


def test_appeal_rejects_an_unknown_reason_with_field_messages(client):
    response = client.post("/api/v1/appeals", json={"email": "a@example.com", "reason": "bored", "message": "x"})
    assert response.status_code == 400 and "reason" in response.get_json()["error"]["fields"]


def test_appeal_confirm_answers_201_with_the_ticket_and_a_working_status_link(client, people, outbox):
    people.add("ada@example.com", status="locked")
    _appeal(client)
    response = client.post("/api/v1/appeals/confirm",
                           json={"email": "ada@example.com", "code": code_in(outbox(template="appeal_code")[-1])})
    assert response.status_code == 201
    body = response.get_json()
    path = body["status_url"].split("recovery.example.test", 1)[1]
    assert path.startswith("/appeal/status/")
    twin = client.get("/api/v1" + path.replace("/appeal/status/", "/appeals/status/"))
    assert twin.status_code == 200
    assert twin.get_json()["ticket_id"] == body["ticket_id"] and twin.get_json()["status"] == "new"
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"


def test_appeal_confirm_without_the_code_opens_nothing(client, people):
    people.add("ada@example.com", status="locked")
    _appeal(client)
    response = client.post("/api/v1/appeals/confirm", json={"email": "ada@example.com", "code": "12345678"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "token_invalid"


def test_appeal_intake_is_rate_limited_per_email_known_or_not(make_app):
    app = make_app(ticket_intake_limits="2 per hour")
    client = app.test_client()
    statuses = [client.post("/api/v1/appeals", json={"email": "ada@example.com", "reason": "other",
                                                     "message": "x"},
                            environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code for i in range(3)]
    assert statuses == [202, 202, 429]


def _ticket(services, user_id, category="unblock_appeal") -> int:
    with services() as ctx:
        return service.open_ticket(ctx, category=category, user_id=user_id, subject="Help", message="please",
                                   source="appeal").id


def _token(services, ticket_id) -> str:
    with services() as ctx:
        return status_token(ctx, ctx.session.get(Ticket, ticket_id))


def test_a_status_link_opens_only_its_own_ticket(client, services, people):
    mine = _ticket(services, people.add("ada@example.com", status="locked"))
    theirs = _ticket(services, people.add("bob@example.com", status="locked"))
    token = _token(services, mine)
    forged = f"{theirs}.{token.split('.', 1)[1]}"
    assert client.get(f"/api/v1/appeals/status/{token}").status_code == 200
    assert client.get(f"/api/v1/appeals/status/{forged}").status_code == 400
    assert client.get(f"/appeal/status/{forged}").status_code == 400


def test_status_twin_never_shows_internal_notes(client, services, people):
    agent = people.staff("agent@example.com")
    ticket_id = _ticket(services, people.add("ada@example.com", status="locked"))
    headers = people.headers(agent)
    client.post(f"/api/v1/tickets/{ticket_id}/notes", json={"body": "secret staff note"}, headers=headers)
    client.post(f"/api/v1/tickets/{ticket_id}/replies", json={"body": "public reply"}, headers=headers)
    bodies = [m["body"] for m in client.get(f"/api/v1/appeals/status/{_token(services, ticket_id)}").get_json()[
        "messages"]]
    assert bodies == ["please", "public reply"]


def test_requester_reply_through_the_twin_reopens_a_waiting_ticket(client, services, people):
    agent = people.staff("agent@example.com")
    ticket_id = _ticket(services, people.add("ada@example.com", status="locked"))
    client.post(f"/api/v1/tickets/{ticket_id}/replies", json={"body": "which phone?", "request_info": True},
                headers=people.headers(agent))
    assert people.ticket(ticket_id).status == "waiting_on_user"
    response = client.post(f"/api/v1/appeals/status/{_token(services, ticket_id)}/replies",
                           json={"message": "a Pixel 8"})
    assert response.status_code == 201 and response.get_json()["status"] == "open"


@pytest.mark.parametrize("role, expected", [(None, 401), ("user", 403), ("agent", 200), ("security", 200),
                                            ("admin", 200)])
def test_queue_is_for_staff_only(client, people, role, expected):
    headers = people.headers(people.add(f"{role}@example.com", role=role)) if role else {}
    assert client.get("/api/v1/tickets", headers=headers).status_code == expected


def test_agent_sees_support_queues_but_not_security_tickets(client, services, people):
    appeal = _ticket(services, people.add("ada@example.com", status="locked"))
    stolen = _ticket(services, people.add("bob@example.com", status="locked"), category="stolen_account")
    agent = people.headers(people.staff("agent@example.com"))
    security = people.headers(people.staff("sec@example.com", role="security"))
    assert [t["id"] for t in client.get("/api/v1/tickets", headers=agent).get_json()["tickets"]] == [appeal]
    assert [t["id"] for t in client.get("/api/v1/tickets", headers=security).get_json()["tickets"]] == [stolen, appeal]
    assert client.get(f"/api/v1/tickets/{stolen}", headers=agent).status_code == 403
    assert client.post(f"/api/v1/tickets/{stolen}/replies", json={"body": "hi"}, headers=agent).status_code == 403
    assert client.post(f"/api/v1/tickets/{stolen}/decisions", json={"outcome": "denied", "reason": "x"},
                       headers=agent).status_code == 403


def test_queue_pages_by_cursor_in_priority_then_deadline_order(client, services, people, clock):
    ids = []
    for i, priority in enumerate([3, 1, 2, 1, 4]):
        clock.advance(minutes=1)
        with services() as ctx:
            ids.append(service.open_ticket(ctx, category="other", user_id=None, subject=f"t{i}", message="m",
                                           source="staff", priority=priority, queue="support-l1").id)
    headers = people.headers(people.staff("agent@example.com"))
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/tickets", query_string={"limit": 2, **({"cursor": cursor} if cursor else {})},
                          headers=headers).get_json()
        seen += [(t["priority"], t["id"]) for t in page["tickets"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [(1, ids[1]), (1, ids[3]), (2, ids[2]), (3, ids[0]), (4, ids[4])]


def test_queue_filters_by_category_status_and_mine(client, services, people):
    agent = people.staff("agent@example.com")
    headers = people.headers(agent)
    mine = _ticket(services, people.add("ada@example.com", status="locked"))
    other = _ticket(services, people.add("bob@example.com", status="locked"), category="other")
    client.post(f"/api/v1/tickets/{mine}/claim", headers=headers)

    def ids(**query):
        return [t["id"] for t in client.get("/api/v1/tickets", query_string=query, headers=headers).get_json()[
            "tickets"]]

    assert ids(owner="me") == [mine]
    assert ids(category="other") == [other]
    assert ids(status="waiting_on_user") == []
    assert client.get("/api/v1/tickets", query_string={"cursor": "garbage!"}, headers=headers).status_code == 400


def test_ticket_detail_carries_the_accounts_timeline(client, services, people):
    ada = people.add("ada@example.com", status="locked")
    people.headers(ada)  # starts a session: it shows in the timeline
    ticket_id = _ticket(services, ada)
    body = client.get(f"/api/v1/tickets/{ticket_id}", headers=people.headers(people.staff("a@example.com"))).get_json()
    assert body["timeline"]["account"]["email"] == "ada@example.com"
    assert "session.started" in [e["type"] for e in body["timeline"]["events"]]
    assert len(body["timeline"]["sessions"]) == 1
    assert [a["type"] for a in body["audit"]][0] == "created"
    assert body["sla"]["state"] == "ok"


def test_reroute_and_escalate_through_the_api(client, services, people):
    ticket_id = _ticket(services, people.add("ada@example.com", status="locked"))
    headers = people.headers(people.staff("agent@example.com"))
    response = client.post(f"/api/v1/tickets/{ticket_id}/reroute", json={"queue": "support-l2", "reason": "billing"},
                           headers=headers)
    assert response.status_code == 200 and response.get_json()["queue"] == "support-l2"
    response = client.post(f"/api/v1/tickets/{ticket_id}/escalate", json={"reason": "VIP"}, headers=headers)
    assert response.get_json()["priority"] == 2


def test_decisions_under_four_eyes_answer_202_then_the_approval_carries_it_out(client, services, people):
    ada = people.add("ada@example.com", status="banned")
    ticket_id = _ticket(services, ada)
    body = {"outcome": "granted", "reason": "Wrong person banned", "message": "Sorry about that."}
    first = client.post(f"/api/v1/tickets/{ticket_id}/decisions", json=body,
                        headers=people.headers(people.staff("a1@example.com")))
    assert first.status_code == 202 and first.get_json()["status"] == "pending"
    assert people.user(ada).status == "banned"
    other = people.headers(people.staff("a2@example.com"))
    # The same decision from a second person does not carry out a proposal they have not read: it names it.
    again = client.post(f"/api/v1/tickets/{ticket_id}/decisions", json=body, headers=other)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "proposal_waiting"
    assert again.get_json()["error"]["decision_id"] == first.get_json()["id"]
    second = client.post(f"/api/v1/tickets/{ticket_id}/decisions/{first.get_json()['id']}/approve", headers=other)
    assert second.status_code == 201 and second.get_json()["status"] == "executed"
    assert people.user(ada).status == "active"


def test_decision_by_the_same_staff_member_twice_is_refused(client, services, people):
    ticket_id = _ticket(services, people.add("ada@example.com", status="banned"))
    headers = people.headers(people.staff("a1@example.com"))
    body = {"outcome": "granted", "reason": "ok"}
    client.post(f"/api/v1/tickets/{ticket_id}/decisions", json=body, headers=headers)
    response = client.post(f"/api/v1/tickets/{ticket_id}/decisions", json=body, headers=headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "second_approver_required"


def test_metrics_endpoint_for_staff(client, people):
    body = client.get("/api/v1/tickets/metrics", headers=people.headers(people.staff("a@example.com"))).get_json()
    assert set(body) == {"days", "first_response", "resolution", "sla", "backlog", "satisfaction"}


def _reply_by_page(client, token: str, n: int):
    page = client.get(f"/appeal/status/{token}").get_data(as_text=True)
    return client.post(f"/appeal/status/{token}/reply", data={"csrf_token": csrf_from(page), "message": f"m{n}"},
                       environ_base={"REMOTE_ADDR": f"10.0.1.{n}"})


def _reply_by_api(client, token: str, n: int):
    return client.post(f"/api/v1/appeals/status/{token}/replies", json={"message": f"m{n}" + "x" * 4000},
                       environ_base={"REMOTE_ADDR": f"10.0.1.{n}"})


@pytest.mark.parametrize("last_door", [_reply_by_page, _reply_by_api])
def test_requester_replies_by_page_and_api_share_one_limit_per_link_then_429(app, client, services, people,
                                                                               last_door):
    allowed = int(runtime(app).settings.ticket_intake_limits.split()[0])  # the documented number (5 per hour)
    ticket_id = _ticket(services, people.add("ada@example.com", status="locked"))
    token = _token(services, ticket_id)
    doors = [_reply_by_page, _reply_by_api]
    answers = [doors[n % 2](client, token, n).status_code for n in range(allowed)]  # a new IP every time
    refused = last_door(client, token, allowed)
    assert answers == [303 if n % 2 == 0 else 201 for n in range(allowed)]
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    replies = people.rows(TicketMessage, TicketMessage.ticket_id == ticket_id, TicketMessage.author_type == "requester")
    assert len(replies) == 1 + allowed  # the opening message and the allowed replies
    other = _token(services, _ticket(services, people.add("bob@example.com", status="locked")))
    assert _reply_by_api(client, other, 99).status_code == 201  # another ticket's link has its own budget
