"""Password rules (NIST 800-63B-4): length by factor count, blocklist, context words, NFC; table-driven."""

from __future__ import annotations

import unicodedata

import pytest

from recovery.accounts.password_policy import PolicyMessage, password_problems
from recovery.accounts.passwords import PasswordHasher

EMAIL = "maria.gonzalez@example.com"


@pytest.mark.parametrize("password, min_length, expected", [
    ("fourteen chars", 15, "too_short"),
    ("fifteen chars!!", 15, None),
    ("eight ch", 8, "guessable"),
    ("brisk-otter-42", 8, None),
    ("x7#" * 86, 15, "too_long"),
    ("password1234567890", 15, "common"),
    ("qwertyuiopasdfghjkl", 15, "common"),
    ("aaaaaaaaaaaaaaaaaaaa", 15, "guessable"),
    ("maria.gonzalez1990!", 15, "context"),
    ("mariagonzalez1990xx", 15, "context"),
    ("recovery recovery recovery", 15, "context"),
    ("copper lantern drifts over seven quiet hills", 15, None),
    ("风吹过七座安静的山丘和铜灯笼很远", 15, None),
])
def test_password_problems(password, min_length, expected):
    problems = password_problems(password, email=EMAIL, min_length=min_length, max_length=256)
    assert [p.code for p in problems] == ([expected] if expected else [])


def test_password_length_counts_characters_after_nfc():
    decomposed = unicodedata.normalize("NFD", "é" * 15)
    assert len(decomposed) == 30
    problems = password_problems(decomposed, email=EMAIL, min_length=16, max_length=256)
    assert [p.code for p in problems] == ["too_short"]


def test_policy_message_keeps_msgid_and_params_for_translation():
    [problem] = password_problems("short", email=EMAIL, min_length=15, max_length=256)
    text = problem.text
    assert isinstance(text, PolicyMessage) and text == "Use at least 15 characters."
    assert (text.msgid, text.params) == ("Use at least %(min)d characters.", {"min": 15})


def test_hasher_treats_nfc_and_nfd_as_the_same_password():
    hasher = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1, max_concurrent=1)
    stored = hasher.hash(unicodedata.normalize("NFC", "crème brûlée at midnight"))
    assert hasher.verify(stored, unicodedata.normalize("NFD", "crème brûlée at midnight"))


def test_hasher_needs_rehash_when_parameters_change():
    weak = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1, max_concurrent=1)
    strong = PasswordHasher(time_cost=2, memory_cost=512, parallelism=1, max_concurrent=1)
    stored = weak.hash("copper lantern drifts over seven quiet hills")
    assert strong.needs_rehash(stored) and not weak.needs_rehash(stored)
    assert strong.needs_rehash("not a hash at all")
