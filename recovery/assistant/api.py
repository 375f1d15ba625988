"""JSON API of the assistant (docs/help.md, "Assistant"): start a conversation, send messages, hand off to a person.

A signed-in caller sends its bearer token and its conversations are its account's. A signed-out caller keeps the
conversation's id (its only key) and, to hand off, proves an address on the account first: `handoff` answers 428
`contact_required`; `contact {email}` sends a code to the account's addresses on file (202, the same answer for an
unknown address); `handoff {email, code}` then opens the ticket.
"""

from __future__ import annotations

from flask import Blueprint, request

from recovery.assistant import service
from recovery.assistant.schemas import (
    CodeSentOut,
    ContactPoint,
    ConversationOut,
    HandoffBody,
    HandoffOut,
    NewConversation,
    NewMessage,
)
from recovery.assistant.view_kit import limit_confirm, limit_contact, limit_message, limit_start, reply_json, speaking
from recovery.web.auth import current_user
from recovery.web.context import service_context
from recovery.web.equal_time import equal_time
from recovery.web.forms import parse_json
from recovery.web.openapi import api_doc

bp = Blueprint("assistant_api", __name__, url_prefix="/api/v1/assistant")
_SENT = {"status": "accepted", "message": "If an account uses this address, we sent a code to the addresses on "
                                          "file."}


def _turn_json(conversation, reply) -> dict:
    """The reply; a hand-off it calls for happens at once when the conversation has an account."""
    ticket_id = status_url = None
    if reply.handoff and (current_user() is not None or conversation.user_id is not None):
        ctx = service_context()
        with speaking(conversation.lang) as words:
            ticket = service.hand_off(ctx, conversation, current_user(), words=words)
        handed = service.handed_off_to(ctx, conversation)
        ticket_id, status_url = ticket.id, handed[1] if handed else None
    with speaking(conversation.lang):
        return ConversationOut().dump({"id": conversation.public_id, "reply": reply_json(reply),
                                       "ticket_id": ticket_id, "status_url": status_url})


@bp.post("/conversations")
@api_doc("Start a conversation: the assistant's first reply (text, articles, action buttons)", body=NewConversation,
         responses={201: ConversationOut}, auth=False, tags=("assistant",))
@limit_start
def start():
    data = parse_json(NewConversation())
    with speaking(data["lang"]) as words:
        conversation, reply = service.start_conversation(service_context(), user=current_user(), lang=data["lang"],
                                                         message=data["message"], words=words)
    return _turn_json(conversation, reply), 201


@bp.post("/conversations/<public_id>/messages")
@api_doc("The next message of a conversation and the assistant's reply", body=NewMessage,
         responses={200: ConversationOut}, errors=(409,), auth=False, tags=("assistant",))
@limit_message
def message(public_id: str):
    ctx = service_context()
    conversation = service.find_conversation(ctx, public_id, current_user())
    data = parse_json(NewMessage())
    with speaking(conversation.lang) as words:
        reply = service.say(ctx, conversation, data["message"], words=words)
    return _turn_json(conversation, reply)


@bp.post("/conversations/<public_id>/contact")
@api_doc("Signed out: send a code to the addresses on file of the account this email names (202 whatever the "
         "address), before the hand-off", body=ContactPoint, responses={202: CodeSentOut}, errors=(409,),
         auth=False, tags=("assistant",))
@limit_contact
@equal_time("assistant-contact")
def contact(public_id: str):
    ctx = service_context()
    conversation = service.find_conversation(ctx, public_id, current_user())
    with speaking(conversation.lang):
        service.send_handoff_code(ctx, conversation, parse_json(ContactPoint())["email"])
    return CodeSentOut().dump(_SENT), 202


@bp.post("/conversations/<public_id>/handoff")
@api_doc("Hand the conversation to a person: a ticket with the whole transcript. Signed out, send {email, code} "
         "(428 contact_required without them)", body=HandoffBody, body_required=False,
         responses={201: HandoffOut}, errors=(409, 428), auth=False, tags=("assistant",))
@limit_confirm
@equal_time(lambda: "assistant-handoff-signed-in" if current_user() is not None else "assistant-confirm")
def handoff(public_id: str):
    ctx = service_context()
    conversation = service.find_conversation(ctx, public_id, current_user())
    data = parse_json(HandoffBody()) if _has_body() else {"email": None, "code": None}
    with speaking(conversation.lang) as words:
        if current_user() is None and conversation.user_id is None and data["email"] and data["code"]:
            ticket = service.hand_off_with_code(ctx, conversation, data["email"], data["code"], words=words)
        else:
            ticket = service.hand_off(ctx, conversation, current_user(), words=words)
    handed = service.handed_off_to(ctx, conversation)
    return HandoffOut().dump({"ticket_id": ticket.id, "status_url": handed[1] if handed else ""}), 201


def _has_body() -> bool:
    return bool(request.get_data(cache=True))
