"""The outbox API for security staff: list by status and retry, with the same role rules as the page."""

from __future__ import annotations

import pytest

from recovery.outbox.models import OutboxMessage


def _fail(services, message_id: int) -> None:
    with services() as ctx:
        ctx.session.get(OutboxMessage, message_id).status = "failed"


def test_api_lists_failed_messages_without_bodies(client, people, queue, services):
    headers = people.headers(people.add("sec@example.test", role="security"))
    failed, _queued = queue.email(to="ada@example.test"), queue.email(to="bob@example.test")
    _fail(services, failed)
    response = client.get("/api/v1/outbox?status=failed", headers=headers)
    assert response.status_code == 200
    (message,) = response.get_json()["messages"]
    assert message["id"] == failed and message["recipient"] == "ada@example.test"
    assert message["subject"] == "Reset your password" and message["status"] == "failed"
    assert "t0k3n" not in response.get_data(as_text=True) and "payload" not in message


def test_api_retry_requeues_a_failed_message(client, people, queue, services, stored):
    headers = people.headers(people.add("admin@example.test", role="admin"))
    message_id = queue.email()
    _fail(services, message_id)
    response = client.post(f"/api/v1/outbox/{message_id}/retry", headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "queued"
    assert stored(message_id).status == "queued"
    again = client.post(f"/api/v1/outbox/{message_id}/retry", headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_retryable"
    assert client.post("/api/v1/outbox/999999/retry", headers=headers).status_code == 404


@pytest.mark.parametrize("role", ["user", "agent"])
def test_api_outbox_is_forbidden_to_other_roles(client, people, queue, services, role):
    headers = people.headers(people.add(f"{role}@example.test", role=role))
    message_id = queue.email()
    _fail(services, message_id)
    assert client.get("/api/v1/outbox", headers=headers).status_code == 403
    assert client.post(f"/api/v1/outbox/{message_id}/retry", headers=headers).status_code == 403


def test_api_outbox_needs_a_bearer_token(client):
    response = client.get("/api/v1/outbox")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "authentication_required"


@pytest.mark.parametrize("query", ["status=lost", "limit=0", "cursor=nonsense"])
def test_api_outbox_rejects_bad_filters_with_field_messages(client, people, query):
    headers = people.headers(people.add("sec@example.test", role="security"))
    response = client.get(f"/api/v1/outbox?{query}", headers=headers)
    assert response.status_code == 400 and response.get_json()["error"]["fields"]
