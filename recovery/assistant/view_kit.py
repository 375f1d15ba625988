"""What the assistant's pages and API share: the conversation's language, a reply as JSON with its action buttons,
the rate limits, and the translation function the service speaks through."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask_babel import force_locale, get_locale, gettext

from recovery.assistant.service import Reply
from recovery.help.actions import action_link
from recovery.web.ratelimit import limit

# Conversations per address, messages per address, and the hand-off's emailed code (per IP and per address).
limit_start = limit("assistant-start-ip")
limit_message = limit("assistant-message-ip")
limit_contact = limit("assistant-contact-ip", "assistant-contact-email")
limit_confirm = limit("assistant-confirm-ip", "assistant-confirm-email")
limit_deflection = limit("deflection-ip")

_LOCALE_OF = {"en": "en", "zh": "zh_Hans"}


def page_lang() -> str:
    """The page's language as the help centre names it: "en" or "zh"."""
    return "zh" if str(get_locale() or "en").startswith("zh") else "en"


@contextmanager
def speaking(lang: str) -> Iterator[Callable[[str], str]]:
    """gettext in the conversation's language (an API caller names it; a page has its own)."""
    with force_locale(_LOCALE_OF.get(lang, "en")):
        yield gettext


def action_buttons(names: list[str]) -> list[dict]:
    """Each action name as a button: its label in the current language and its URL (the help centre's map)."""
    buttons = []
    for name in names:
        label, url = action_link(name)
        buttons.append({"name": name, "label": gettext(label), "url": url})
    return buttons


def reply_json(reply: Reply) -> dict:
    return {"text": reply.text, "intent": reply.intent, "handoff": reply.handoff,
            "articles": [{k: a[k] for k in ("slug", "title", "summary", "url")} for a in reply.articles],
            "actions": action_buttons(reply.actions)}
