"""The pages: the guided flow's steps (each a URL, a back link), the assistant without JavaScript (a form posts,
the page shows the conversation, the hand-off), /contact routed with the requester's language, and deflection
beside the forms: counted, and "This solved it" opens no ticket."""

import pytest
from helpers.mail import code_in
from helpers.people import TicketPeople

from recovery.assistant.guide import STEPS
from recovery.assistant.models import Conversation, Deflection
from recovery.tickets.models import IntakeChallenge, Ticket, TranscriptLine

PEOPLE = TicketPeople
ZH = {"Accept-Language": "zh-CN"}


def _post(client, csrf, path, data, page, headers=None):
    return client.post(path, data={"csrf_token": csrf(page), **data}, headers=headers or {})


@pytest.mark.parametrize("step", sorted(STEPS))
def test_every_step_is_a_page_of_its_own_with_a_way_back(client, step):
    page = client.get("/help/start" if step == "start" else f"/help/start/{step}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    back = STEPS[step].back
    if back is None:
        assert ">Back<" not in text
    else:
        assert f'href="{"/help/start" if back == "start" else "/help/start/" + back}">Back<' in text


def test_the_flow_lands_where_the_trouble_is_fixed(client):
    def links(path):
        return client.get(path).get_data(as_text=True)

    assert 'href="/help/start/locked"' in links("/help/start")
    assert 'href="/appeal?reason=account_locked"' in links("/help/start/locked")
    assert 'href="/secure-account"' in links("/help/start/taken")
    assert 'href="/recover"' in links("/help/start/email")
    assert 'href="/forgot"' in links("/help/start/factor")
    assert 'href="/signin"' in links("/help/start/codes")
    assert 'href="/appeal?reason=lost_second_factor"' in links("/help/start/codes")
    assert client.get("/help/start/nowhere").status_code == 404


def test_the_home_page_and_the_sign_in_page_link_to_the_flow(client):
    assert 'href="/help/start"' in client.get("/").get_data(as_text=True)
    assert 'href="/help/start"' in client.get("/signin").get_data(as_text=True)


def test_the_assistant_works_without_javascript_and_hands_off_signed_in(client, csrf, people):
    ada = people.add("ada@example.com")
    people.sign_in(ada)
    started = _post(client, csrf, "/help/assistant", {"message": "I forgot my password"}, "/help/assistant")
    assert started.status_code == 303
    page = client.get(started.headers["Location"])
    text = page.get_data(as_text=True)
    assert "I forgot my password" in text and 'href="/forgot"' in text and "Talk to a person" in text
    public_id = people.rows(Conversation)[0].public_id
    handed = _post(client, csrf, f"/help/assistant/{public_id}/handoff", {}, f"/help/assistant/{public_id}")
    assert handed.status_code == 303
    ticket = people.rows(Ticket)[0]
    assert (ticket.user_id, ticket.source, ticket.category) == (ada, "assistant", "other")
    assert "/appeal/status/" in client.get(handed.headers["Location"]).get_data(as_text=True)


def test_the_assistant_page_in_chinese_answers_in_chinese(client, csrf):
    started = _post(client, csrf, "/help/assistant", {"message": "我的号被盗了"}, "/help/assistant", ZH)
    text = client.get(started.headers["Location"], headers=ZH).get_data(as_text=True)
    assert "可能有其他人控制了您的账号" in text and 'href="/secure-account"' in text
    assert "确认这是您的账号" in text  # signed out: the contact step comes at once


def test_a_signed_out_page_hand_off_goes_through_the_emailed_code(client, csrf, people, outbox):
    ada = people.add("ada@example.com")
    _post(client, csrf, "/help/assistant", {"message": "talk to a person"}, "/help/assistant")
    public_id = people.rows(Conversation)[0].public_id
    page = f"/help/assistant/{public_id}"
    sent = _post(client, csrf, f"{page}/contact", {"email": "ada@example.com"}, page)
    assert sent.status_code == 200 and people.rows(Ticket) == []
    code = code_in(outbox(template="support_code")[-1])
    done = _post(client, csrf, f"{page}/confirm", {"email": "ada@example.com", "code": code}, page)
    assert done.status_code == 303
    ticket = people.rows(Ticket)[0]
    assert ticket.user_id == ada and people.rows(TranscriptLine, TranscriptLine.ticket_id == ticket.id)
    # This browser proved the code: it lands where the conversation continues (the conversation's own page is the
    # account's now, and answers only the account signed in).
    assert "/appeal/status/" in done.headers["Location"]
    landed = client.get(done.headers["Location"])
    assert landed.status_code == 200 and f"#{ticket.id}" in landed.get_data(as_text=True)
    assert client.get(page).status_code == 404


def test_the_script_gets_json_from_the_page(client, csrf, people):
    _post(client, csrf, "/help/assistant", {"message": "hello"}, "/help/assistant")
    public_id = people.rows(Conversation)[0].public_id
    page = f"/help/assistant/{public_id}"
    response = client.post(page, data={"csrf_token": csrf(page), "message": "forgot password"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 201
    assert "reset" in [a["name"] for a in response.get_json()["reply"]["actions"]]


def test_contact_signed_in_opens_a_routed_ticket_with_the_language(client, csrf, people):
    ada = people.add("ada@example.com", locale="zh_Hans")  # her pages are in Chinese
    people.sign_in(ada)
    response = _post(client, csrf, "/contact", {"message": "有人盗号，登录了我的账号"}, "/contact", ZH)
    assert response.status_code == 303
    ticket = people.rows(Ticket)[0]
    assert (ticket.source, ticket.category, ticket.locale, ticket.user_id) == ("contact", "other", "zh_Hans", ada)
    assert (ticket.queue, ticket.priority) == ("security", 2)  # the takeover-words rule


def test_contact_signed_out_needs_the_code(client, csrf, people, outbox):
    ada = people.add("ada@example.com")
    sent = _post(client, csrf, "/contact", {"email": "ada@example.com", "message": "A question about my data"},
                 "/contact")
    assert sent.status_code == 200 and people.rows(Ticket) == []
    code = code_in(outbox(template="support_code")[-1])
    done = _post(client, csrf, "/contact/confirm", {"email": "ada@example.com", "code": code}, "/contact/confirm")
    assert done.status_code == 303
    ticket = people.rows(Ticket)[0]
    assert (ticket.user_id, ticket.source, ticket.queue, ticket.priority) == (ada, "contact", "support-l1", 4)


def test_the_appeal_preview_suggests_articles_and_this_solved_it_opens_nothing(client, csrf, people, outbox,
                                                                              articles):
    people.add("ada@example.com", status="locked")
    form = {"email": "ada@example.com", "reason": "other", "message": "I forgot my password", "step": "preview"}
    preview = _post(client, csrf, "/appeal", form, "/appeal")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Before you send: these may help" in text
    assert people.rows(IntakeChallenge) == [] and outbox(template="appeal_code") == []
    solved = _post(client, csrf, "/help/deflected", {"form": "appeal", "slug": "forgot-password", "lang": "en"},
                   "/appeal")
    assert solved.status_code == 200
    assert [(d.form, d.slug) for d in people.rows(Deflection)] == [("appeal", "forgot-password")]
    assert people.rows(Ticket) == [] and people.rows(IntakeChallenge) == []


def test_sending_after_the_preview_sends_the_code(client, csrf, people, outbox, articles):
    people.add("ada@example.com", status="locked")
    form = {"email": "ada@example.com", "reason": "other", "message": "I forgot my password"}
    assert _post(client, csrf, "/appeal", form, "/appeal").status_code == 200
    assert outbox(template="appeal_code")


def test_an_unknown_form_is_not_counted(client, csrf, people):
    response = _post(client, csrf, "/help/deflected", {"form": "nope", "slug": "x"}, "/appeal")
    assert response.status_code == 400 and people.rows(Deflection) == []


def test_a_refused_address_comes_back_beside_the_email_form(client, csrf, people):
    _post(client, csrf, "/help/assistant", {"message": "talk to a person"}, "/help/assistant")
    page = f"/help/assistant/{people.rows(Conversation)[0].public_id}"
    refused = _post(client, csrf, f"{page}/contact", {"email": ""}, page)
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert 'name="email"' in text and f'action="{page}/contact"' in text  # the form is there to correct it
