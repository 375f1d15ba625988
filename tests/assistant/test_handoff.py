"""The assistant's API and hand-off: answers with the article's actions, a stolen account handed off at once to a
P1 ticket carrying the transcript (service, API and the staff ticket API), a signed-out hand-off only after the
emailed code, a third unanswered turn, and conversations no stranger can read."""

import pytest
from helpers.mail import code_in, text_of
from helpers.people import TicketPeople
from sqlalchemy import select

from recovery.assistant import service
from recovery.assistant.models import Conversation
from recovery.tickets.models import IntakeChallenge, Ticket, TranscriptLine

PEOPLE = TicketPeople
START = "/api/v1/assistant/conversations"


def _start(client, message, lang="en", headers=None):
    return client.post(START, json={"message": message, "lang": lang}, headers=headers or {})


def _say(client, conversation_id, message, headers=None):
    return client.post(f"{START}/{conversation_id}/messages", json={"message": message}, headers=headers or {})


def _transcript(people, ticket_id):
    return people.rows(TranscriptLine, TranscriptLine.ticket_id == ticket_id, order=TranscriptLine.position)


def test_a_reset_question_is_answered_with_the_reset_button(client, articles):
    response = _start(client, "I forgot my password")
    assert response.status_code == 201
    body = response.get_json()
    assert len(body["id"]) >= 22 and body["ticket_id"] is None
    assert "reset" in [a["name"] for a in body["reply"]["actions"]]
    reset = next(a for a in body["reply"]["actions"] if a["name"] == "reset")
    assert reset["url"] == "/forgot"
    assert body["reply"]["intent"] == "reset" and body["reply"]["text"]
    assert body["reply"]["articles"] and body["reply"]["articles"][0]["url"].startswith("/help/")


@pytest.mark.parametrize(("message", "lang"), [("how do I turn on two step verification", "en"),
                                               ("怎么设置通行密钥", "zh")])
def test_without_an_intent_retrieval_answers_with_the_articles_summary(client, articles, message, lang):
    reply = _start(client, message, lang=lang).get_json()["reply"]
    assert reply["articles"] and reply["articles"][0]["summary"] in reply["text"]


def test_replies_are_in_the_conversations_language(client):
    body = _start(client, "忘记密码了", lang="zh").get_json()
    assert body["reply"]["intent"] == "reset"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["reply"]["text"])


def test_a_stolen_account_is_handed_off_at_once_to_a_p1_ticket_with_the_transcript(client, people):
    ada = people.add("ada@example.com")
    headers = people.headers(ada)
    first = _start(client, "hello, I need help with my account settings", headers=headers).get_json()
    body = _say(client, first["id"], "我的号被盗了", headers=headers).get_json()
    assert "secure" in [a["name"] for a in body["reply"]["actions"]]  # offered at once
    ticket = people.ticket(body["ticket_id"])
    assert (ticket.category, ticket.priority, ticket.queue, ticket.user_id) == ("stolen_account", 1, "security", ada)
    assert ticket.source == "assistant" and "intent:stolen" in ticket.tags
    assert body["status_url"].startswith("https://recovery.example.test/appeal/status/")
    lines = _transcript(people, ticket.id)
    assert [line.author for line in lines] == ["person", "assistant", "person", "assistant"]
    assert lines[2].body == "我的号被盗了" and lines[2].intent is None and lines[3].intent == "stolen"
    # the agent reads it in the ticket API
    security = people.add("sec@example.test", role="security")
    detail = client.get(f"/api/v1/tickets/{ticket.id}", headers=people.headers(security)).get_json()
    assert [line["body"] for line in detail["transcript"]][2] == "我的号被盗了"
    # and the conversation is over here: it continues on the ticket's status page
    assert _say(client, first["id"], "hello?", headers=headers).status_code == 409


def test_the_service_hands_off_with_the_intent_as_category(services, people):
    ada = people.add("ada@example.com")
    with services() as ctx:
        user = people.user(ada)
        conversation, reply = service.start_conversation(ctx, user=user, lang="en", message="I lost my phone")
        assert reply.intent == "lost_factor" and not reply.handoff
        ticket = service.hand_off(ctx, conversation, user)
        assert (ticket.category, ticket.source) == ("mfa_reset", "assistant")
        assert ticket.hold_until is not None  # a second-factor reset waits out the hold, as by appeal
        ticket_id = ticket.id
    assert len(_transcript(people, ticket_id)) == 2


def test_a_signed_out_hand_off_needs_the_emailed_code_first(client, people, outbox):
    ada = people.add("ada@example.com")
    body = _start(client, "someone hacked my account").get_json()
    assert body["reply"]["handoff"] is True and body["ticket_id"] is None  # no account to open it for yet
    handoff = f"{START}/{body['id']}/handoff"
    refused = client.post(handoff)
    assert refused.status_code == 428 and refused.get_json()["error"]["code"] == "contact_required"
    assert people.rows(Ticket) == []
    assert client.post(f"{START}/{body['id']}/contact", json={"email": "ada@example.com"}).status_code == 202
    mail = outbox(to="ada@example.com", template="support_code")[-1]
    code = code_in(mail)
    # No link: the owner who did not ask is never led onto a stranger's conversation to confirm it.
    assert "http" not in text_of(mail) and body["id"] not in text_of(mail)
    wrong = "00000000" if code != "00000000" else "11111111"
    assert client.post(handoff, json={"email": "ada@example.com", "code": wrong}).status_code == 400
    assert people.rows(Ticket) == []
    done = client.post(handoff, json={"email": "ada@example.com", "code": code})
    assert done.status_code == 201
    ticket = people.ticket(done.get_json()["ticket_id"])
    assert (ticket.user_id, ticket.category, ticket.priority) == (ada, "stolen_account", 1)
    assert len(_transcript(people, ticket.id)) == 2


def test_an_unknown_email_gets_the_same_answer_and_no_code(client, outbox):
    body = _start(client, "talk to a person").get_json()
    response = client.post(f"{START}/{body['id']}/contact", json={"email": "nobody@example.com"})
    assert response.status_code == 202 and outbox(template="support_code") == []


def test_a_code_for_another_conversation_does_not_hand_this_one_off(client, people, outbox):
    people.add("ada@example.com")
    mine = _start(client, "talk to a person").get_json()["id"]
    other = _start(client, "talk to a person").get_json()["id"]
    client.post(f"{START}/{other}/contact", json={"email": "ada@example.com"})
    code = code_in(outbox(template="support_code")[-1])
    response = client.post(f"{START}/{mine}/handoff", json={"email": "ada@example.com", "code": code})
    assert response.status_code == 404 and people.rows(Ticket) == []


def test_the_third_unanswered_turn_hands_off(client, people, articles):
    ada = people.add("ada@example.com")
    headers = people.headers(ada)
    body = _start(client, "asdf qwer", headers=headers).get_json()
    assert body["reply"]["handoff"] is False
    assert _say(client, body["id"], "zxcv", headers=headers).get_json()["ticket_id"] is None
    third = _say(client, body["id"], "hjkl uiop", headers=headers).get_json()
    assert third["reply"]["handoff"] is True and third["ticket_id"] is not None
    assert people.ticket(third["ticket_id"]).category == "other"


def test_a_stranger_cannot_read_or_continue_a_conversation(client, people):
    ada, eve = people.add("ada@example.com"), people.add("eve@example.com")
    conversation = _start(client, "I forgot my password", headers=people.headers(ada)).get_json()["id"]
    assert _say(client, conversation, "hi", headers=people.headers(eve)).status_code == 404
    assert _say(client, conversation, "hi").status_code == 404  # signed out
    assert client.get(f"/help/assistant/{conversation}").status_code == 404
    assert client.post(f"{START}/{conversation}/handoff", headers=people.headers(eve)).status_code == 404
    assert _say(client, "x" * 22, "hi").status_code == 404
    assert _say(client, conversation, "hi", headers=people.headers(ada)).status_code == 200


def test_a_conversation_begun_signed_out_is_the_accounts_once_handed_off_signed_in(client, people):
    """Its page shows the ticket's status link: after the hand-off only the account reads it."""
    ada = people.add("ada@example.com")
    conversation = _start(client, "I need help with my account").get_json()["id"]  # signed out
    assert client.get(f"/help/assistant/{conversation}").status_code == 200
    handed = client.post(f"{START}/{conversation}/handoff", headers=people.headers(ada))
    assert handed.status_code == 201
    assert client.get(f"/help/assistant/{conversation}").status_code == 404  # a stranger holding the id
    assert _say(client, conversation, "hi").status_code == 404
    eve = people.add("eve@example.com")
    assert client.post(f"{START}/{conversation}/handoff", headers=people.headers(eve)).status_code == 404


def test_conversation_ids_are_random(client):
    ids = {_start(client, "hello there").get_json()["id"] for _ in range(3)}
    assert len(ids) == 3 and all(len(i) >= 22 for i in ids)


def test_input_is_bounded_and_refused_with_field_messages(client, app):
    too_long = _start(client, "x" * 1001)
    assert too_long.status_code == 400 and "message" in too_long.get_json()["error"]["fields"]
    assert "lang" in _start(client, "hello", lang="fr").get_json()["error"]["fields"]
    zh = client.post(START, json={"message": "", "lang": "zh"}, headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 400 and any("\u4e00" <= ch <= "\u9fff" for ch in str(zh.get_json()["error"]))


def test_a_conversation_has_a_bounded_number_of_turns(services, people):
    with services() as ctx:
        conversation, _ = service.start_conversation(ctx, user=None, lang="en", message="I forgot my password")
        for _ in range(service.MAX_TURNS - 1):
            service.say(ctx, conversation, "I forgot my password")
        try:
            service.say(ctx, conversation, "one more")
        except service.ConversationFull:
            pass
        else:
            raise AssertionError("the 21st turn was answered")
        assert ctx.session.scalar(select(Conversation.turns)) == service.MAX_TURNS
    assert people.rows(IntakeChallenge) == []


@pytest.mark.parametrize(("message", "lang"), [("I want to talk to a person", "en"), ("转人工", "zh")])
def test_asking_for_a_person_is_answered_as_such_not_with_an_article(client, articles, message, lang):
    """The help centre has an article about the assistant that shares these words; the person asked for a person."""
    reply = _start(client, message, lang=lang).get_json()["reply"]
    assert reply["intent"] == "human" and reply["handoff"] is True
    assert not any(a["summary"] in reply["text"] for a in reply["articles"])
