"""Email addresses, below every capability: one canonical form per address, so uniqueness and rate-limit keys
cannot be dodged."""

from __future__ import annotations

import unicodedata

from marshmallow import ValidationError
from marshmallow.validate import Email

from recovery.errors import N_

MAX_EMAIL_LENGTH = 254  # RFC 5321's limit on a forward path; the column holds 320 for safety
_EMAIL_FORMAT = Email()


def normalise_email(raw: str) -> str:
    """NFKC, trimmed, lower-cased (domains are case-insensitive; providers treat local parts the same in practice)."""
    return unicodedata.normalize("NFKC", raw).strip().lower()


def email_problem(email: str) -> str | None:
    """Why a normalised address cannot be used, or None: too long, control characters, or not an address."""
    if not email:
        return N_("Enter your email address.")
    if len(email) > MAX_EMAIL_LENGTH:
        return N_("This email address is too long.")
    if any(unicodedata.category(ch).startswith("C") or ch.isspace() for ch in email):
        return N_("Enter a valid email address.")
    try:
        _EMAIL_FORMAT(email)
    except ValidationError:
        return N_("Enter a valid email address.")
    return None


def mask_email(email: str) -> str:
    """`a•••@example.com`: enough for a person to recognise their address in a log or notice, not to harvest it."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"
