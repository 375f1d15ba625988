"""A status reason the service wrote reads in the holder's language and never shows an internal code: the
stolen-account lock ("Reported stolen by its owner"), an alert's lock ("Security alert 3: rule"), a ticket's
prefix ("Ticket 4: "); a reason staff wrote for the holder is shown as written."""

from __future__ import annotations

import pytest
from helpers.people import PASSWORD

from recovery.accounts import service as accounts
from recovery.accounts.status import STOLEN_REASON, reason_for_owner, set_account_status
from recovery.errors import Message

ADA = "ada@example.com"


@pytest.mark.parametrize("stored, expected", [
    (STOLEN_REASON, "You reported it stolen."),
    ("Security alert 3: credential_stuffing", "Our security team saw unusual activity on it."),
    ("Ticket 4: We checked your ID, welcome back.", "We checked your ID, welcome back."),
    ("Spam sent from this account.", "Spam sent from this account."),
    (None, ""),
])
def test_reason_for_owner_hides_internal_reasons(stored, expected):
    assert reason_for_owner(stored) == expected


def test_service_reasons_are_messages_that_translate():
    assert isinstance(reason_for_owner(STOLEN_REASON), Message)


def test_stolen_lock_reason_reads_in_chinese_at_sign_in(client, people):
    ada = people.user(ADA)
    people.report_stolen(ada)
    client.get("/language/zh_Hans")
    html = people.sign_in(ADA).get_data(as_text=True)
    assert "您报告了账号被盗。" in html
    assert STOLEN_REASON not in html and "Reported" not in html


def test_alert_lock_reason_never_shows_the_rule_at_sign_in(client, people):
    ada = people.user(ADA)
    people.set_status(ada, "locked", "Security alert 3: credential_stuffing")
    answer = client.post("/api/v1/sessions", json={"email": ADA, "password": PASSWORD},
                         headers={"Accept-Language": "zh-CN"})
    body = answer.get_json()["error"]
    assert body["reason"] == "我们的安全团队发现该账号有异常活动。"
    assert "credential_stuffing" not in answer.get_data(as_text=True)


def test_status_email_reason_is_in_the_holders_language(people, outbox, services):
    """A lock from an alert emails its reason in the holder's words, never the rule's name. (A stolen-account
    report sends containment's one email instead: tests/detection/test_containment_story.py.)"""
    ada = people.user(ADA)
    with services() as ctx:
        user = accounts.get_user(ctx, ada)
        user.locale = "zh_Hans"
        set_account_status(ctx, user, "locked", "Security alert 3: credential_stuffing")
    [mail] = outbox(to=ADA, template="account_status_changed")
    text = mail.payload["text"]
    assert "我们的安全团队发现该账号有异常活动。" in text and "credential_stuffing" not in text
    assert "Security alert" not in text
