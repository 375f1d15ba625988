"""The service's notes in a ticket: stored in English (what the API gives), shown in the console's language."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from recovery.accounts.models import User
from recovery.detection.containment import secure_account
from recovery.tickets import notes, service
from recovery.tickets.models import TicketMessage
from recovery.tickets.notes import note, shown_note

VALUES = {"other": 12, "alert": 7, "severity": "High", "count": 3, "how": "Secured through the API",
          "since": "2026-03-02 09:00:00 UTC", "kind": "Passkey", "name": 'Ada\'s "key"', "added": "2026-03-02",
          "device": "unknown device", "place": "Shanghai, China"}


def _marked(msgid: str) -> str:
    return f"<{msgid}>"


@pytest.mark.parametrize("msgid", notes.NOTES)
def test_every_note_reads_back_to_its_msgid_with_its_values(msgid):
    names = [name for name in VALUES if f"%({name})s" in msgid]
    body = note(msgid, **{name: VALUES[name] for name in names})
    assert shown_note(body, lambda text: text) == body  # English reads as stored
    translated = shown_note(body, _marked)
    expected = _marked(msgid) % {name: _marked(str(VALUES[name])) if name in ("severity", "how", "kind")
                                 or VALUES[name] == "unknown device" else VALUES[name] for name in names}
    assert translated == expected


def test_lines_of_a_note_are_shown_one_by_one_and_other_words_as_written():
    body = "\n".join([note(notes.REPORTED_STOLEN, how="Secured from the security page"), "",
                      note(notes.NO_ACCOUNT), "Opened from alert 1 (high, seen 1 times)."])
    shown = shown_note(body, _marked).split("\n")
    assert shown[0] == "<The account holder reported the account stolen (<Secured from the security page>).>"
    assert shown[1] == "" and shown[2] == "<No account matches the email given.>"
    assert shown[3] == "Opened from alert 1 (high, seen 1 times)."  # an older wording: as stored


def test_a_containment_case_and_its_linked_request_read_in_chinese(client, services, people):
    ada = people.add("ada@example.com")
    with services() as ctx:
        claim = service.open_ticket(ctx, category="stolen_account", user_id=ada, subject="Someone took it",
                                    message="It was stolen", source="contact", queue="security")
        case = secure_account(ctx, ctx.session.get(User, ada), source="email_button")
        case_id, claim_id = case.id, claim.id
    people.sign_in(people.staff("sec@example.com", "security"))
    english = client.get(f"/staff/tickets/{case_id}").get_data(as_text=True)
    assert "The account holder reported the account stolen (Secured from the new sign-in email)." in english
    client.set_cookie("recovery_lang", "zh_Hans")
    chinese = client.get(f"/staff/tickets/{case_id}").get_data(as_text=True)
    thread = chinese.split('id="thread-h"')[1].split("</ol>")[0]
    assert "账号主人报告账号被盗（" in thread and f"工单 #{claim_id}" in thread
    for english_words in ("reported the account stolen", "Weigh both together", "email_button", "Secured from"):
        assert english_words not in thread
    with services() as ctx:  # the stored body stays English (the API's)
        stored = ctx.session.scalars(select(TicketMessage.body).where(TicketMessage.ticket_id == case_id)).all()
    assert any(body.startswith("The account holder reported the account stolen (Secured from") for body in stored)
