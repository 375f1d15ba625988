"""JSON API of the outbox for security staff: list messages (failed first) and retry a failed one."""

from __future__ import annotations

from flask import Blueprint, request

from recovery.outbox import service
from recovery.outbox.schemas import OutboxListQuery, OutboxMessageOut, OutboxPageOut
from recovery.web.auth import role_required
from recovery.web.context import service_context
from recovery.web.forms import parse
from recovery.web.openapi import api_doc

bp = Blueprint("outbox_api", __name__, url_prefix="/api/v1/outbox")


@bp.get("")
@api_doc("List outbox messages, failed first (security, admin); bodies are never included",
         query=OutboxListQuery, responses={200: OutboxPageOut}, tags=("outbox",))
@role_required("security")
def list_messages():
    query = parse(OutboxListQuery(), request.args.to_dict())
    page = service.list_messages(service_context(), **query)
    return OutboxPageOut().dump({"messages": page.messages, "next_cursor": page.next_cursor})


@bp.post("/<bigid:message_id>/retry")
@api_doc("Queue a failed message again with a fresh set of attempts (security, admin)",
         responses={200: OutboxMessageOut}, errors=(409,), tags=("outbox",))
@role_required("security")
def retry_message(message_id: int):
    return OutboxMessageOut().dump(service.retry_message(service_context(), message_id))
