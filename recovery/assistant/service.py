"""The assistant: answer first (intent rules, then the help centre's articles), hand off to a person with the whole
conversation when it must (a stolen account, a dispute, a third unanswered turn) or when asked.

```mermaid
stateDiagram-v2
    [*] --> open: start_conversation (the first message answered)
    open --> open: say (answered: an intent or an article; unanswered: counted)
    open --> handed_off: hand_off (signed in) / hand_off_with_code (signed out, the emailed code)
    handed_off --> [*]: the ticket's status page carries the conversation on
```

The service speaks through `words`, the caller's translation function for the conversation's language (views pass
Flask-Babel's gettext under that locale): replies are stored as they were shown, so the transcript a ticket keeps
is what the person read. A signed-in conversation belongs to its account; a signed-out one is reached only by its
unguessable public id, and its hand-off waits for a code sent to the account's addresses on file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from recovery.accounts.models import User
from recovery.assistant.errors import ContactRequired, ConversationClosed, ConversationFull
from recovery.assistant.intents import INTENTS, Intent, asks_for_person, recognise, shares_a_word
from recovery.assistant.models import Conversation, ConversationMessage, Deflection
from recovery.context import ServiceContext
from recovery.errors import N_, NotFound, ValidationFailed
from recovery.help.search import search_articles
from recovery.tickets.access import get_ticket, status_link
from recovery.tickets.intake import open_support_request, redeem_support_code, request_support_code
from recovery.tickets.service import Ticket
from recovery.tickets.transcript import TranscriptEntry

Words = Callable[[str], str]
LANGS = ("en", "zh")
MAX_MESSAGE = 1000
MAX_TURNS = 20  # the person's messages in one conversation
UNANSWERED_HANDOFF = 3  # the third turn the assistant could not match hands off
ARTICLES_SHOWN = 3
DEFLECTION_FORMS = ("appeal", "recover", "contact")
_UNANSWERED = N_("I could not find an answer to that. Try other words, or talk to a person on our support team.")
_ANSWERED_BY_ARTICLE = N_("This article may help:")
_PASSED_ON = N_("I could not answer this, so I am passing you to a person on our support team.")


@dataclass(frozen=True)
class Reply:
    """What the assistant answered: its words, the articles (slug, title, summary, url) and the action names."""

    text: str
    articles: list[dict] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    intent: str | None = None
    handoff: bool = False  # a person must take over now (automatic hand-off)


def _same(text: str) -> str:
    return text


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValidationFailed({"lang": [N_("Choose en or zh.")]})
    return lang


def _check_message(message: str) -> str:
    message = (message or "").strip()
    if not message:
        raise ValidationFailed({"message": [N_("Write a message.")]})
    if len(message) > MAX_MESSAGE:
        raise ValidationFailed({"message": [N_("Keep the message under 1,000 characters.")]})
    return message


def suggestions(ctx: ServiceContext, text: str, lang: str, *, limit: int = ARTICLES_SHOWN) -> list[dict]:
    """The help centre's best articles for what a person typed (the assistant's answers and deflection)."""
    if not (text or "").strip():
        return []
    return [{"slug": hit.slug, "title": hit.title, "summary": hit.summary, "url": hit.url, "actions": hit.actions}
            for hit in search_articles(ctx.session, text[:MAX_MESSAGE], lang, limit=limit)]


def answer(ctx: ServiceContext, message: str, lang: str, *, unanswered_before: int = 0,
           words: Words = _same) -> Reply:
    """The reply to one message: the intent's words and actions (rules first), the articles retrieval finds,
    the article's own actions after the intent's; nothing matched is an unanswered turn. An intent that must be
    handed off always stands; another yields to the best article when that article offers none of its actions
    (the rules saw "two-step" in "how do I turn on two-step verification", the article is about setting it up)."""
    intent = recognise(message)
    articles = [a for a in suggestions(ctx, message, lang) if shares_a_word(message, f"{a['title']} {a['summary']}")]
    if intent is not None and not intent.handoff and articles and not set(articles[0]["actions"]) & set(
            intent.actions):
        intent = None  # a generic keyword ("two-step", "密码"): the best article, about something else, knows better
    actions = list(intent.actions) if intent else []
    for article in articles[:1]:
        actions += [name for name in article["actions"] if name not in actions]
    wants_person = asks_for_person(message)
    if intent is not None:
        return Reply(words(intent.reply), articles, actions[:4], intent.name, intent.handoff or wants_person)
    if wants_person:  # asked for a person: said so first, whatever an article about the words would say
        return Reply(words(INTENTS["human"].reply), articles, actions[:4], intent="human", handoff=True)
    if articles:
        return Reply(f"{words(_ANSWERED_BY_ARTICLE)} {articles[0]['summary']}", articles, actions[:4])
    if unanswered_before + 1 >= UNANSWERED_HANDOFF:
        return Reply(words(_PASSED_ON), handoff=True)
    return Reply(words(_UNANSWERED))


def _add(ctx: ServiceContext, conversation: Conversation, author: str, body: str, reply: Reply | None = None) -> None:
    ctx.session.add(ConversationMessage(
        conversation_id=conversation.id, author=author, body=body, intent=reply.intent if reply else None,
        articles=[{k: a[k] for k in ("slug", "title", "summary", "url")} for a in reply.articles] if reply else [],
        actions=reply.actions if reply else [], created_at=ctx.clock.now()))


def _turn(ctx: ServiceContext, conversation: Conversation, message: str, words: Words) -> Reply:
    if conversation.status != "open":
        raise ConversationClosed()
    if conversation.turns >= MAX_TURNS:
        raise ConversationFull()
    message = _check_message(message)
    reply = answer(ctx, message, conversation.lang, unanswered_before=conversation.unanswered, words=words)
    conversation.turns += 1
    if reply.intent is None and not reply.articles:
        conversation.unanswered += 1
    if reply.intent is not None and reply.intent != "human":
        conversation.intent = reply.intent
    conversation.updated_at = ctx.clock.now()
    _add(ctx, conversation, "person", message)
    _add(ctx, conversation, "assistant", reply.text, reply)
    ctx.session.flush()
    return reply


def start_conversation(ctx: ServiceContext, *, user: User | None, lang: str, message: str,
                       words: Words = _same) -> tuple[Conversation, Reply]:
    """A new conversation, tied to the signed-in account when there is one, and its first reply."""
    now = ctx.clock.now()
    conversation = Conversation(public_id=ctx.tokens.opaque(16), user_id=user.id if user else None,
                                lang=check_lang(lang), turns=0, unanswered=0, status="open", created_at=now,
                                updated_at=now)
    _check_message(message)
    ctx.session.add(conversation)
    ctx.session.flush()
    return conversation, _turn(ctx, conversation, message, words)


def say(ctx: ServiceContext, conversation: Conversation, message: str, *, words: Words = _same) -> Reply:
    return _turn(ctx, conversation, message, words)


def find_conversation(ctx: ServiceContext, public_id: str, user: User | None) -> Conversation:
    """The conversation, if this caller may read it: a signed-in conversation only by its own account, a signed-out
    one by whoever holds its id. Anything else is NotFound, never a hint that it exists."""
    conversation = ctx.session.scalar(select(Conversation).where(Conversation.public_id == (public_id or "")[:32]))
    if conversation is None or (conversation.user_id is not None
                                and (user is None or user.id != conversation.user_id)):
        raise NotFound()
    return conversation


def messages_of(ctx: ServiceContext, conversation: Conversation) -> list[ConversationMessage]:
    return list(ctx.session.scalars(select(ConversationMessage)
                                    .where(ConversationMessage.conversation_id == conversation.id)
                                    .order_by(ConversationMessage.id)))


def handed_off_to(ctx: ServiceContext, conversation: Conversation) -> tuple[Ticket, str] | None:
    """The ticket a handed-off conversation continues on, and its status page's link."""
    if conversation.ticket_id is None:
        return None
    ticket = get_ticket(ctx, conversation.ticket_id)
    return ticket, status_link(ctx, ticket)


def status_url(ctx: ServiceContext, ticket: Ticket) -> str:
    """Where a handed-off conversation continues: the request's status page."""
    return status_link(ctx, ticket)


# --- hand-off ----------------------------------------------------------------------------------------------

def _intent(conversation: Conversation) -> Intent | None:
    return INTENTS.get(conversation.intent or "")


def hand_off(ctx: ServiceContext, conversation: Conversation, user: User | None, *, words: Words = _same) -> Ticket:
    """Open a ticket for the conversation's account with the whole transcript, the recognised intent as its
    category (tag `intent:<name>`), routed by the tickets' rules; signed out, ContactRequired."""
    if conversation.status != "open":
        raise ConversationClosed()
    owner = user or (ctx.session.get(User, conversation.user_id) if conversation.user_id else None)
    if owner is None:
        raise ContactRequired(extra={"send": "POST /api/v1/assistant/conversations/<id>/contact {email}, then "
                                             "POST .../handoff {email, code}"})
    if conversation.user_id not in (None, owner.id):
        raise NotFound()
    # Begun signed out and handed off signed in: the conversation is the account's from now on, so its page (which
    # shows the ticket's status link) answers nobody else, whoever else holds its id.
    conversation.user_id = owner.id
    return _open(ctx, conversation, owner, words)


def send_handoff_code(ctx: ServiceContext, conversation: Conversation, email: str) -> None:
    """Signed out: the code goes to the addresses on file of the account `email` names (the same answer for an
    unknown one: nothing is sent)."""
    if conversation.status != "open":
        raise ConversationClosed()
    request_support_code(ctx, kind="assistant", email=email, payload={"conversation": conversation.public_id})


def hand_off_with_code(ctx: ServiceContext, conversation: Conversation, email: str, code: str, *,
                       words: Words = _same) -> Ticket:
    if conversation.status != "open":
        raise ConversationClosed()
    user, payload = redeem_support_code(ctx, kind="assistant", email=email, code=code)
    if payload.get("conversation") != conversation.public_id:
        raise NotFound()
    conversation.user_id = user.id  # proven: the conversation is the account's from now on
    return _open(ctx, conversation, user, words)


def _open(ctx: ServiceContext, conversation: Conversation, user: User, words: Words) -> Ticket:
    intent = _intent(conversation)
    lines = messages_of(ctx, conversation)
    said = "\n\n".join(line.body for line in lines if line.author == "person") or words(INTENTS["human"].reply)
    name = intent.name if intent else "unknown"
    ticket = open_support_request(
        ctx, user=user, category=intent.category if intent else "other",
        subject=f"Assistant: {name.replace('_', ' ')}", message=said[:5000], source="assistant",
        tags=[f"intent:{name}"],
        transcript=[TranscriptEntry(line.author, line.body, line.created_at, line.intent) for line in lines])
    conversation.status, conversation.ticket_id = "handed_off", ticket.id
    conversation.updated_at = ctx.clock.now()
    ctx.session.flush()
    return ticket


# --- deflection --------------------------------------------------------------------------------------------

def record_deflection(ctx: ServiceContext, *, form: str, slug: str, lang: str) -> None:
    """"This solved it" beside a form: counted, and no ticket is opened (the report reads assistant_deflections)."""
    if form not in DEFLECTION_FORMS or not slug or len(slug) > 120:
        raise ValidationFailed({"form": [N_("Choose one of the forms.")]})
    ctx.session.add(Deflection(form=form, slug=slug, lang=check_lang(lang), created_at=ctx.clock.now()))
    ctx.session.flush()


def deflection_counts(ctx: ServiceContext) -> dict[str, int]:
    """Deflections per form, for the help centre's report."""
    counts = {form: 0 for form in DEFLECTION_FORMS}
    counted = ctx.session.execute(select(Deflection.form, func.count()).group_by(Deflection.form))
    counts.update({form: number for form, number in counted})
    return counts
