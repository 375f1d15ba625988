"""The console's ticket page: the account's context in words beside the conversation, the no-script macro insert
that keeps what was typed, drafts, collision detection, and four-eyes as a visible state."""

import re
from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from helpers.csrf import csrf_from

from recovery.accounts.models import ContactAddress, User
from recovery.alerts.service import raise_alert
from recovery.detection.containment import secure_account
from recovery.events.models import SecurityEvent
from recovery.tickets import service
from recovery.tickets.console import tag_label
from recovery.tickets.models import TicketDraft, TicketMessage

UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0.0.0 Safari/537.36")


def _appeal(services, people, *, status="banned", email="ada@example.com") -> tuple[int, int]:
    ada = people.add(email, status=status, reason="fraud")
    with services() as ctx:
        ticket = service.open_ticket(ctx, category="unblock_appeal", user_id=ada, subject="Please unlock",
                                     message="I did nothing wrong", source="appeal")
        return ada, ticket.id


def _page(client, ticket_id) -> str:
    response = client.get(f"/staff/tickets/{ticket_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _post(client, ticket_id, action, **data):
    page = f"/staff/tickets/{ticket_id}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(f"{page}/{action}", data={"csrf_token": token, **data})


def _textarea(html: str, id_: str) -> str:
    return re.search(rf'<textarea[^>]*id="{id_}"[^>]*>(.*?)</textarea>', html, re.S).group(1)


@pytest.fixture
def other(app):
    """A second agent's browser."""
    return app.test_client()


def test_side_pane_names_the_account_in_words_never_codes_lists_or_user_agents(client, services, people, clock):
    ada, ticket_id = _appeal(services, people)
    with services() as ctx:
        ctx.session.get(User, ada).time_zone = "Asia/Shanghai"
        ctx.session.add(ContactAddress(user_id=ada, email="ada.backup@example.net", verified_at=clock.now(),
                                       created_at=clock.now()))
        ctx.session.add(SecurityEvent(type="session.started", user_id=ada, actor_type="user", actor_id=ada,
                                      ip="203.0.113.9", user_agent=UA, details={"country": "CN", "city": "Shanghai"},
                                      created_at=clock.now() - timedelta(hours=1)))
        ctx.session.add(SecurityEvent(type="session.revoked_all", user_id=ada, actor_type="staff", actor_id=None,
                                      ip="198.51.100.99", user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:125.0) "
                                      "Gecko/20100101 Firefox/125.0", details={}, created_at=clock.now()))
        raise_alert(ctx, rule="brute_force", severity="high", user_id=ada, source="203.0.113.9")
        service.open_ticket(ctx, category="other", user_id=ada, subject="An older question", message="m",
                            source="staff", queue="support-l1")
    people.sign_in(people.staff("agent@example.com"))
    html = _page(client, ticket_id)
    side = html.split('id="account-h"')[1].split('class="ticket-history"')[0]
    assert "Banned" in side and "Banned by staff" in side and "Reason: fraud" in side
    assert "a•••@example.net" in side and "ada.backup@example.net" not in html
    assert "3/2/26, 5:00" in side and "Asia/Shanghai" in side  # 09:00 UTC is 5 PM for the account holder
    assert "Signed in" in side and "Chrome 124 · Windows 10" in side and "Shanghai, China" in side
    assert "Brute force on an account" in side and "An older question" in side
    assert "Sessions ended" in side and "by staff" in side  # a staff member's browser and IP are not the account's
    assert "Firefox" not in side and "198.51.100.99" not in side
    for raw in ("session.started", "Mozilla/5.0", "['", "brute_force", "ticket.opened"):
        assert raw not in html
    assert html.index('id="thread-h"') < html.index('id="account-h"')  # conversation first, context beside it


def test_side_pane_in_chinese(client, services, people):
    ada, ticket_id = _appeal(services, people)
    people.sign_in(people.staff("agent@example.com"))
    client.set_cookie("recovery_lang", "zh_Hans")
    html = _page(client, ticket_id)
    assert "账号安全时间线" in html and "已被工作人员封禁" in html and "键盘快捷键" in html
    assert "Banned by staff" not in html and "Keyboard shortcuts" not in html


def test_decision_checkboxes_sit_inside_their_labels(client, services, people):
    _ada, ticket_id = _appeal(services, people)
    people.sign_in(people.staff("agent@example.com"))
    html = _page(client, ticket_id)
    assert re.search(r'<label class="choice"><input type="checkbox" name="actions" value="unblock" checked> '
                     r'Unblock the account</label>', html)


def test_insert_without_script_keeps_the_typed_reply_and_sends_nothing(client, services, people):
    _ada, ticket_id = _appeal(services, people)
    agent = people.staff("agent@example.com")
    people.sign_in(agent)
    response = _post(client, ticket_id, "macro", body="Hello Ada, I am looking at it n", macro="acknowledge",
                     request_info="true")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    reply = _textarea(html, "reply-body")
    assert reply.startswith("Hello Ada, I am looking at it n\n\nHello, thank you for contacting us about request #")
    assert 'name="request_info" value="true" checked' in html
    assert [m.body for m in people.rows(TicketMessage, ticket_id=ticket_id)] == ["I did nothing wrong"]
    [draft] = people.rows(TicketDraft, ticket_id=ticket_id)  # and the text is the draft, should they walk away
    assert (draft.staff_id, draft.kind, draft.body) == (agent, "reply", reply.replace("&#39;", "'"))


def test_drafts_are_kept_per_agent_until_sent(client, other, services, people):
    _ada, ticket_id = _appeal(services, people)
    people.sign_in(people.staff("agent1@example.com"))
    people.sign_in(people.staff("agent2@example.com"), client=other)
    assert _post(client, ticket_id, "draft", kind="reply", body="Half a reply").status_code == 204
    assert _post(client, ticket_id, "draft", kind="note", body="Half a note").status_code == 204
    html = _page(client, ticket_id)
    assert _textarea(html, "reply-body") == "Half a reply" and _textarea(html, "note-body") == "Half a note"
    assert "Half a" not in _page(other, ticket_id)  # nobody else sees it
    _post(client, ticket_id, "reply", body="The whole reply")
    html = _page(client, ticket_id)
    assert _textarea(html, "reply-body") == "" and _textarea(html, "note-body") == "Half a note"
    assert _post(client, ticket_id, "draft", kind="sideways", body="x").status_code == 400


def test_collision_warns_of_a_viewer_and_holds_a_reply_written_over_a_newer_one(client, other, services, people):
    _ada, ticket_id = _appeal(services, people)
    people.sign_in(people.staff("agent1@example.com"))
    people.sign_in(people.staff("agent2@example.com"), client=other)
    mine = _page(client, ticket_id)
    version = re.search(r'name="version" value="(\d+)"', mine).group(1)
    assert "agent1@example.com is also viewing this ticket." in _page(other, ticket_id)
    _post(other, ticket_id, "reply", body="I answered first")
    token = csrf_from(mine)
    watched = client.post(f"/staff/tickets/{ticket_id}/presence", data={"csrf_token": token, "version": version})
    assert watched.json["viewing"] == "agent2@example.com is also viewing this ticket."
    assert "agent2@example.com wrote on this ticket since you opened it." in watched.json["written"]
    held = client.post(f"/staff/tickets/{ticket_id}/reply", data={"csrf_token": token, "body": "My late answer",
                                                                  "version": version})
    assert held.status_code == 200
    html = held.get_data(as_text=True)
    assert "Your reply was not sent" in html and _textarea(html, "reply-body") == "My late answer"
    assert "I answered first" in html
    bodies = [m.body for m in people.rows(TicketMessage, ticket_id=ticket_id)]
    assert "My late answer" not in bodies
    newer = re.search(r'name="version" value="(\d+)"', html).group(1)
    sent = client.post(f"/staff/tickets/{ticket_id}/reply", data={"csrf_token": token, "body": "My late answer",
                                                                  "version": newer})
    assert sent.status_code == 303
    assert "My late answer" in [m.body for m in people.rows(TicketMessage, ticket_id=ticket_id)]


def test_proposal_is_a_visible_state_and_the_proposer_approving_gets_a_message_not_a_409(client, other, services,
                                                                                       people):
    ada, ticket_id = _appeal(services, people)
    people.sign_in(people.staff("agent1@example.com"))
    people.sign_in(people.staff("agent2@example.com"), client=other)
    proposed = _post(client, ticket_id, "decision", outcome="granted", custom_actions="1", actions="unblock",
                     reason="Mistaken identity")
    assert proposed.status_code == 303
    mine = _page(client, ticket_id)
    assert "Waiting for approval" in mine and "/proposal/withdraw" in mine and "/proposal/approve" not in mine
    theirs = _page(other, ticket_id)
    assert "agent1@example.com proposed: Granted." in theirs and "Unblock the account" in theirs
    assert "Mistaken identity" in theirs and "/proposal/approve" in theirs and "/proposal/reject" in theirs
    decision_id = re.search(r'name="decision_id" value="(\d+)"', theirs).group(1)
    refused = _post(client, ticket_id, "proposal/approve", decision_id=decision_id)
    assert refused.status_code == 303 and refused.headers["Location"].endswith(f"/staff/tickets/{ticket_id}")
    assert "You proposed this decision; a different staff member must approve it." in _page(client, ticket_id)
    again = _post(client, ticket_id, "decision", outcome="granted", custom_actions="1", actions="unblock",
                  reason="Mistaken identity")  # the old way, pressing Grant again: also back to the page
    assert again.status_code == 303
    assert people.user(ada).status == "banned"
    approved = _post(other, ticket_id, "proposal/approve", decision_id=decision_id)
    assert approved.status_code == 303
    html = _page(other, ticket_id)
    assert "Approved: the decision is carried out." in html and 'id="four-eyes"' not in html
    assert people.user(ada).status == "active"
    history = html.split('id="decisions-h"')[1]
    assert "Unblock the account" in history and "approved by agent2@example.com" in history
    assert "Proposed decision approved" in history and "decision.approved" not in history


def test_reject_and_withdraw_from_the_page(client, other, services, people):
    ada, ticket_id = _appeal(services, people)
    people.sign_in(people.staff("agent1@example.com"))
    people.sign_in(people.staff("agent2@example.com"), client=other)

    def propose() -> str:
        _post(client, ticket_id, "decision", outcome="granted", custom_actions="1", actions="unblock",
              reason="Mistaken identity")
        return re.search(r'name="decision_id" value="(\d+)"', _page(client, ticket_id)).group(1)

    first = propose()
    empty = _post(other, ticket_id, "proposal/reject", decision_id=first, reason="")
    assert empty.status_code == 303 and "Say why" in _page(other, ticket_id)
    _post(other, ticket_id, "proposal/reject", decision_id=first, reason="The reports check out")
    html = _page(client, ticket_id)
    assert "The reports check out" in html and "Rejected by a second staff member" in html
    second = propose()
    assert _post(other, ticket_id, "proposal/withdraw", decision_id=second).status_code == 303
    assert "Only the staff member who proposed this decision can withdraw it." in _page(other, ticket_id)
    _post(client, ticket_id, "proposal/withdraw", decision_id=second)
    assert 'id="four-eyes"' not in _page(client, ticket_id)
    assert people.user(ada).status == "banned"


def test_a_ticket_in_a_queue_the_agent_does_not_work_is_still_403(client, services, people):
    ada = people.add("ada@example.com", status="locked")
    with services() as ctx:
        ticket_id = service.open_ticket(ctx, category="other", user_id=ada, subject="s", message="m",
                                        source="staff", queue="security").id
    people.sign_in(people.staff("agent@example.com"))
    assert client.get(f"/staff/tickets/{ticket_id}").status_code == 403
    assert _post(client, ticket_id, "draft", kind="reply", body="x").status_code == 403


def test_a_containment_case_reads_in_words_tags_and_linked_records(client, services, people):
    ada = people.add("ada@example.com")
    with services() as ctx:
        case = secure_account(ctx, ctx.session.get(User, ada), source="email_button")
        ctx.session.add(SecurityEvent(type="account.signin.failed", user_id=ada, actor_type="user", actor_id=None,
                                      ip="203.0.113.9", user_agent=UA, details={"country": "DE"},
                                      created_at=case.created_at))
        ticket_id = case.id
    people.sign_in(people.staff("sec@example.com", "security"))
    html = _page(client, ticket_id)
    assert "Reported stolen by its owner" in html and "Secured from the new sign-in email" in html
    assert "Locked after the owner reported it stolen" in html and "Germany" in html
    request = html.split('id="request-h"')[1].split('id="thread-h"')[0]  # the thread holds containment's own note
    side = html.split('id="account-h"')[1]
    for raw in ("email_button", "signin_attempt", "second_factor_removed", "account.secured", "'type'", "['"):
        assert raw not in request and raw not in side


@pytest.mark.parametrize(("tag", "english", "chinese"), [("intent:stolen", "Stolen account", "账号被盗"),
                                                          ("lang:zh_Hans", "Chinese", "中文")])
def test_the_assistants_and_the_contact_forms_tags_read_in_words(app, tag, english, chinese):
    with app.test_request_context():
        assert gettext(tag_label(tag)) == english
        with force_locale("zh_Hans"):
            assert gettext(tag_label(tag)) == chinese


def test_next_ticket_follows_the_queue_order(client, services, people):
    _ada, first = _appeal(services, people)
    _bo, second = _appeal(services, people, email="bo@example.com")
    people.sign_in(people.staff("agent@example.com"))
    ordered = sorted([first, second])  # same priority and deadline: by id
    assert f'data-next="/staff/tickets/{ordered[1]}"' in _page(client, ordered[0])
    assert 'data-next="/staff/tickets"' in _page(client, ordered[1])  # the last one: back to the queue


def test_a_refused_reply_comes_back_with_its_text(client, services, people):
    _ada, ticket_id = _appeal(services, people)
    people.sign_in(people.staff("agent@example.com"))
    long_reply = "Dear Ada, " + "x" * 10_000
    response = _post(client, ticket_id, "reply", body=long_reply)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="flash error"' in html and _textarea(html, "reply-body") == long_reply
    assert long_reply not in [m.body for m in people.rows(TicketMessage, ticket_id=ticket_id)]


def test_other_tickets_in_a_queue_the_agent_does_not_work_are_named_not_shown(client, other, services, people):
    """The side pane lists every ticket of the account, but one in a queue the viewer's role does not work (a
    stolen-account case in the security queue, for an agent) shows neither its subject nor a link to a 403."""
    ada, ticket_id = _appeal(services, people)
    with services() as ctx:
        hidden = service.open_ticket(ctx, category="other", user_id=ada, subject="Takeover from 203.0.113.9",
                                     message="m", source="staff", queue="security").id
        shown = service.open_ticket(ctx, category="account_recovery", user_id=ada, subject="An older question",
                                    message="m", source="staff", queue="support-l2").id
    people.sign_in(people.staff("agent@example.com"))
    side = _page(client, ticket_id).split('id="account-h"')[1]
    assert f'href="/staff/tickets/{shown}"' in side and "An older question" in side
    assert f'href="/staff/tickets/{hidden}"' not in side and "Takeover" not in side
    assert f"#{hidden} In the Security queue, which your role does not work" in side
    client.set_cookie("recovery_lang", "zh_Hans")
    assert "您的角色不处理该队列" in _page(client, ticket_id)
    people.sign_in(people.staff("sec@example.com", "security"), client=other)  # works every queue
    side = _page(other, ticket_id).split('id="account-h"')[1]
    assert f'href="/staff/tickets/{hidden}"' in side and "Takeover from 203.0.113.9" in side
