"""Email normalisation: one canonical form per address, so uniqueness and rate-limit keys cannot be dodged."""

from __future__ import annotations

import unicodedata


def normalise_email(raw: str) -> str:
    """NFKC, trimmed, lower-cased (domains are case-insensitive; providers treat local parts the same in practice)."""
    return unicodedata.normalize("NFKC", raw).strip().lower()
