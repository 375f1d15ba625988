"""The assistant's pages: a conversation that works without JavaScript (a form posts each message, the page shows
the conversation), answered as JSON to our own script (static/assistant.js) on the same URLs, the hand-off to a
person, and "This solved it" beside the appeal, recovery and contact forms."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext

from recovery.assistant import service
from recovery.assistant.schemas import ContactPoint, DeflectionForm, HandoffBody, NewMessage
from recovery.assistant.view_kit import (
    action_buttons,
    limit_confirm,
    limit_contact,
    limit_deflection,
    limit_message,
    limit_start,
    page_lang,
    reply_json,
)
from recovery.web.auth import current_user
from recovery.web.context import service_context
from recovery.web.equal_time import equal_time
from recovery.web.forms import form_page, parse_form
from recovery.web.headers import mark_token_page

bp = Blueprint("assistant", __name__)
bp.add_app_template_global(action_buttons, "buttons")
_PAGE = "assistant/conversation.html"


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _page_context(public_id: str | None = None, **extra) -> dict:
    """The conversation page: its messages, the ticket it continues on, and which hand-off step to show."""
    ctx = service_context()
    if public_id is None:
        return {"conversation": None, "messages": [], "handed_off": None, "step": None, **extra}
    mark_token_page()  # the id in the URL is a signed-out conversation's key
    conversation = service.find_conversation(ctx, public_id, current_user())
    messages = service.messages_of(ctx, conversation)
    step = request.args.get("step") if conversation.status == "open" else None
    return {"conversation": conversation, "messages": messages, "step": step,
            "handed_off": service.handed_off_to(ctx, conversation), **extra}


def _to_page(public_id: str, step: str | None = None):
    return redirect(url_for(".page", public_id=public_id, step=step, _anchor="latest"), 303)


@bp.get("/help/assistant")
def new():
    return render_template(_PAGE, form={}, errors={}, **_page_context())


@bp.post("/help/assistant")
@limit_start
@form_page(_PAGE, lambda: _page_context())
def begin():
    ctx = service_context()
    data = parse_form(NewMessage())
    conversation, reply = service.start_conversation(ctx, user=current_user(), lang=page_lang(),
                                                     message=data["message"], words=_words())
    return _after_turn(conversation, reply)


@bp.get("/help/assistant/<public_id>")
def page(public_id: str):
    return render_template(_PAGE, form={}, errors={}, **_page_context(public_id))


@bp.post("/help/assistant/<public_id>")
@limit_message
@form_page(_PAGE, _page_context)
def message(public_id: str):
    ctx = service_context()
    conversation = service.find_conversation(ctx, public_id, current_user())
    reply = service.say(ctx, conversation, parse_form(NewMessage())["message"], words=_words())
    return _after_turn(conversation, reply)


def _after_turn(conversation, reply):
    """A reply that hands off does it at once for a signed-in person; signed out, the page asks for the email."""
    ticket = None
    step = None
    if reply.handoff and (current_user() is not None or conversation.user_id is not None):
        ticket = service.hand_off(service_context(), conversation, current_user(), words=_words())
    elif reply.handoff:
        step = "contact"
    if _wants_json():
        handed = service.handed_off_to(service_context(), conversation) if ticket else None
        return jsonify({"id": conversation.public_id, "reply": reply_json(reply), "step": step,
                        "ticket_id": ticket.id if ticket else None,
                        "status_url": handed[1] if handed else None,
                        "page": url_for(".page", public_id=conversation.public_id, step=step)}), 201
    return _to_page(conversation.public_id, step)


@bp.post("/help/assistant/<public_id>/handoff")
@form_page(_PAGE, _page_context)
def handoff(public_id: str):
    ctx = service_context()
    conversation = service.find_conversation(ctx, public_id, current_user())
    if current_user() is None and conversation.user_id is None:
        return _to_page(public_id, "contact")
    service.hand_off(ctx, conversation, current_user(), words=_words())
    return _to_page(public_id)


@bp.post("/help/assistant/<public_id>/contact")
@limit_contact
@equal_time("assistant-contact")  # a known address is emailed, an unknown one is not: the same time for both
@form_page(_PAGE, lambda public_id: _contact_step(public_id))
def send_code(public_id: str):
    ctx = service_context()
    conversation = service.find_conversation(ctx, public_id, current_user())
    email = parse_form(ContactPoint())["email"]
    service.send_handoff_code(ctx, conversation, email)
    return render_template(_PAGE, form={"email": email}, errors={}, **_code_step(public_id, sent=True))


def _contact_step(public_id: str, **extra) -> dict:
    """The email form again (a refused address comes back beside its field, not on a page without the form)."""
    return {**_page_context(public_id, **extra), "step": "contact"}


def _code_step(public_id: str, **extra) -> dict:
    return {**_page_context(public_id, **extra), "step": "code"}


@bp.post("/help/assistant/<public_id>/confirm")
@limit_confirm
@equal_time("assistant-confirm")  # the code of a known address counts a try; an unknown one has none to count
@form_page(_PAGE, _code_step)
def confirm(public_id: str):
    ctx = service_context()
    conversation = service.find_conversation(ctx, public_id, current_user())
    data = parse_form(HandoffBody())
    ticket = service.hand_off_with_code(ctx, conversation, data["email"] or "", data["code"] or "", words=_words())
    # The conversation is the account's now and its page answers only the account signed in; this browser proved
    # the code, so it goes where the conversation continues: the request's status page (its link is emailed too).
    flash(gettext("We opened request #%(id)s with the whole conversation. Continue on your request's page: you "
                  "can reply there and see where it stands.", id=ticket.id), "success")
    return redirect(service.status_url(ctx, ticket), 303)


@bp.post("/help/deflected")
@limit_deflection
def deflected():
    """"This solved it": counted, and the form it was beside ends here without a ticket."""
    data = parse_form(DeflectionForm())
    service.record_deflection(service_context(), **data)
    return render_template("assistant/deflected.html", slug=data["slug"])


def _words():
    """The page's own language (Flask-Babel's current locale) is the conversation's."""
    return gettext
