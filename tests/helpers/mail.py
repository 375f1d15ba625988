"""What a person reads in a queued email: its 8-digit code, the token of its reset link, its ticket links."""

from __future__ import annotations

import re

CODE = re.compile(r"\b(\d{8})\b")
RESET_LINK = re.compile(r"https?://[^\s\"<>]+/reset/([A-Za-z0-9_.\-]+)")
STATUS_LINK = re.compile(r"https?://[^\s\"<>]+/appeal/status/([0-9]+\.[0-9a-f]+)")
CANCEL_LINK = re.compile(r"https?://[^\s\"<>]+/recover/cancel/([0-9]+\.[0-9a-f]+)")


def text_of(message) -> str:
    return message.payload["text"]


def code_in(message) -> str:
    """The 8-digit code of a queued email."""
    match = CODE.search(text_of(message))
    assert match, "no code in the email"
    return match.group(1)


def token_in(message) -> str:
    """The token of the reset link in a queued email."""
    match = RESET_LINK.search(text_of(message))
    assert match, text_of(message)
    return match.group(1)


def status_token_in(message) -> str:
    match = STATUS_LINK.search(text_of(message))
    assert match, "no status link in the email"
    return match.group(1)


def cancel_token_in(message) -> str:
    match = CANCEL_LINK.search(text_of(message))
    assert match, "no cancel link in the email"
    return match.group(1)
