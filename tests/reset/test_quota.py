"""The silent per-address cap counts only the reset requests that were queued, never those a failure answered."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from recovery.outbox import tasks
from recovery.reset.service import LINK_TEMPLATE


def _database_down(*_args, **_kwargs):
    raise OperationalError("INSERT INTO outbox_messages", {}, ConnectionRefusedError("connection refused"))


def test_request_answered_503_in_a_database_outage_does_not_use_up_the_address_quota(client, outbox, account,
                                                                                      monkeypatch):
    with monkeypatch.context() as outage:
        outage.setattr(tasks, "execute_alone", _database_down)
        answers = [client.post("/api/v1/password-resets", json={"email": account.email}) for _ in range(6)]
    assert {r.status_code for r in answers} == {503}
    assert client.post("/api/v1/password-resets", json={"email": account.email}).status_code == 202
    assert len(outbox(to=account.email, template=LINK_TEMPLATE)) == 1


def test_request_page_answered_503_does_not_use_up_the_quota_either(client, csrf, outbox, account, monkeypatch):
    with monkeypatch.context() as outage:
        outage.setattr(tasks, "execute_alone", _database_down)
        for _ in range(6):
            assert client.post("/forgot", data={"email": account.email, "csrf_token": csrf("/forgot")}
                               ).status_code == 503
    assert client.post("/forgot", data={"email": account.email, "csrf_token": csrf("/forgot")}).status_code == 202
    assert len(outbox(to=account.email, template=LINK_TEMPLATE)) == 1


def test_request_that_was_queued_still_counts_so_the_cap_holds(client, outbox, account):
    for _ in range(8):
        assert client.post("/api/v1/password-resets", json={"email": account.email}).status_code == 202
    assert len(outbox(to=account.email, template=LINK_TEMPLATE)) == 5  # the default cap: 5 per hour
