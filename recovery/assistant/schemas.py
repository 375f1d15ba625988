"""marshmallow schemas of the assistant: what a person sends (a message, an address, a code) and what it answers."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from recovery.assistant.service import DEFLECTION_FORMS, LANGS, MAX_MESSAGE
from recovery.help.schemas import HitOut

_MESSAGE = validate.Length(min=1, max=MAX_MESSAGE)
_EMAIL = validate.Length(min=1, max=320)


class NewConversation(Schema):
    message = fields.String(required=True, validate=_MESSAGE)
    lang = fields.String(load_default="en", validate=validate.OneOf(LANGS))


class NewMessage(Schema):
    message = fields.String(required=True, validate=_MESSAGE)


class ContactPoint(Schema):
    email = fields.String(required=True, validate=_EMAIL)


class HandoffBody(Schema):
    """Signed in: empty. Signed out: the account's email and the code sent to its addresses (see /contact)."""

    email = fields.String(load_default=None, validate=_EMAIL)
    code = fields.String(load_default=None, validate=validate.Length(min=1, max=32))


class DeflectionForm(Schema):
    form = fields.String(required=True, validate=validate.OneOf(DEFLECTION_FORMS))
    slug = fields.String(required=True, validate=validate.Length(min=1, max=120))
    lang = fields.String(load_default="en", validate=validate.OneOf(LANGS))


class AssistantActionOut(Schema):
    name = fields.String()
    label = fields.String()
    url = fields.String()


class ReplyOut(Schema):
    text = fields.String()
    articles = fields.List(fields.Nested(HitOut))  # an article as the help centre's search answers it
    actions = fields.List(fields.Nested(AssistantActionOut))
    intent = fields.String(allow_none=True)
    handoff = fields.Boolean()  # a person takes over: signed in, it happened; signed out, send the contact step


class ConversationOut(Schema):
    id = fields.String()
    reply = fields.Nested(ReplyOut)
    ticket_id = fields.Integer(allow_none=True)
    status_url = fields.String(allow_none=True)


class HandoffOut(Schema):
    ticket_id = fields.Integer()
    status_url = fields.String()


class CodeSentOut(Schema):
    status = fields.String()
    message = fields.String()
