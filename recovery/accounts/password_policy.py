"""Password rules from NIST 800-63B-4: length by factor count, a blocklist and context words, no composition rules.

The blocklist and estimator are zxcvbn's: it ships its frequency lists (30,000 most common passwords from
breach corpora, plus dictionaries) so nothing is fetched at run time, and it catches variants (l33t,
reversed, repeats, keyboard walks) that a plain list lookup misses. zxcvbn runs through
`password_estimate`, which bounds its work for any input (docs/security.md, "Passwords").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from recovery.accounts.password_estimate import ESTIMATE_LENGTH, estimate, l33t_readings
from recovery.errors import N_, Message
from recovery.passwords import normalise_password

SERVICE_WORDS = ("recovery",)
# Pieces of the local part shorter than this are too common to refuse ("bob", "li").
_MIN_PIECE = 4


PolicyMessage = Message  # the policy's messages keep their msgid and parameters for translation


@dataclass(frozen=True)
class PasswordProblem:
    code: str
    message: str
    params: dict

    @property
    def text(self) -> PolicyMessage:
        return PolicyMessage(self.message, self.params)


def password_problems(password: str, *, email: str, min_length: int, max_length: int) -> list[PasswordProblem]:
    """Every reason this password is refused, with a message the user can act on; empty when acceptable."""
    password = normalise_password(password)
    if len(password) < min_length:
        return [PasswordProblem("too_short", N_("Use at least %(min)d characters."), {"min": min_length})]
    if len(password) > max_length:
        return [PasswordProblem("too_long", N_("Use at most %(max)d characters."), {"max": max_length})]
    return _guessability_problems(password, email)


def _context_words(email: str) -> list[str]:
    local = email.split("@", 1)[0]
    pieces = [p for p in re.split(r"[\W_]+", local) if len(p) >= _MIN_PIECE]
    words = [email, *SERVICE_WORDS, *pieces]
    if len(local) >= 3:
        words.extend({local, "".join(pieces)} - {""})
    return words


def _context_beyond_estimate(password: str, words: list[str]) -> bool:
    """A context word past what the estimate reads: anywhere in a longer password, as typed, reversed or in l33t."""
    if len(password) <= ESTIMATE_LENGTH:
        return False
    lower = password.lower()
    readings = [lower, *l33t_readings(lower)]
    return any(word in text for word in words for reading in readings for text in (reading, reading[::-1]))


def _guessability_problems(password: str, email: str) -> list[PasswordProblem]:
    # The estimate reads the first ESTIMATE_LENGTH characters: more characters only add guesses, so a strong
    # prefix is a strong password, and only context words need looking for in the rest.
    words = _context_words(email.lower())
    result = estimate(password, words)
    if "user_inputs" in result.dictionaries or _context_beyond_estimate(password, words):
        return [PasswordProblem("context", N_("Do not build your password from your email address or this "
                                              "service's name."), {})]
    if result.score >= 3:
        return []
    if "passwords" in result.dictionaries:
        return [PasswordProblem("common", N_("This password is too common: it appears in lists of leaked "
                                             "passwords. Choose another."), {})]
    return [PasswordProblem("guessable", N_("This password is too easy to guess. Try a few unrelated words."),
                            {})]
