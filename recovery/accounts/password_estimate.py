"""zxcvbn's guess estimate with a cost bounded by construction, whatever the password's content or length.

zxcvbn 4.5 as shipped is a denial of service on untrusted input: its l33t matcher enumerates every way of
reading the substitution characters present (736 readings when all 20 of `!$%(+0123456789<@[{|` appear) and
runs a full dictionary match for each, so a 72-character password built from them costs about 3 s of CPU;
over 72 characters it raises ValueError. This module keeps zxcvbn's lists, matchers and scoring and changes
only what made the cost unbounded:

- the estimate reads the first `ESTIMATE_LENGTH` (32) characters: the longest common password is 20 characters
  and the longest dictionary word 23, so every list entry fits whole; zxcvbn's scoring (a search over match
  sequences) grows with the cube of the length, 64 characters of short words packed end to end cost 42 ms
  against 7 ms for 32;
- l33t: each substitution character is read as every letter it can stand for at once ('@' and '4' both as
  'a'), so only the characters with two readings ('1' and '|': i or l; '7': l or t) branch: at most 8
  translated passwords, each matched once, instead of up to 736;
- repeats ("abcabc") score their base with these same bounded matchers, not zxcvbn's unbounded omnimatch;
- the context words are this call's dictionary, not a module global zxcvbn rewrites on every call (two threads
  estimating at once no longer see each other's email address);
- a dictionary match looks each substring up once in one index of the lists, and only substrings no longer
  than the longest word; lower case is taken character for character, so indices stay aligned ('İ').

The work is then at most 10 dictionary passes over 32 characters (plain, reversed, 8 l33t readings, and as
much again for a repeat's base) and zxcvbn's scoring over 32 characters; bench's `password_cost` row
measures the worst case (docs/security.md, "Passwords"). The matchers are adapted from zxcvbn 4.5 (MIT
licence, Dropbox and contributors).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from zxcvbn import matching, scoring, time_estimates
from zxcvbn.frequency_lists import FREQUENCY_LISTS

ESTIMATE_LENGTH = 32

# Every letter a substitution character can stand for, from zxcvbn's own table.
_READINGS: dict[str, tuple[str, ...]] = {}
for _letter, _subs in matching.L33T_TABLE.items():
    for _sub in _subs:
        _READINGS[_sub] = (*_READINGS.get(_sub, ()), _letter)
L33T_CHARACTERS = frozenset(_READINGS)

# One index over zxcvbn's shipped lists: a substring costs one lookup, not one per list.
_SHIPPED: dict[str, tuple[tuple[str, int], ...]] = {}
for _name, _words in FREQUENCY_LISTS.items():
    for _rank, _word in enumerate(_words, 1):
        _SHIPPED[_word] = (*_SHIPPED.get(_word, ()), (_name, _rank))
_LONGEST_SHIPPED = max(map(len, _SHIPPED))
_GREEDY, _LAZY, _LAZY_ANCHORED = re.compile(r"(.+)\1+"), re.compile(r"(.+?)\1+"), re.compile(r"^(.+?)\1+$")
_Match = Any  # zxcvbn's match dicts; its stubs' TypedDict lacks the keys of l33t and repeat matches


@dataclass(frozen=True)
class _Dictionaries:
    user_inputs: dict[str, int]
    longest: int  # no substring longer than the longest word can match

    @classmethod
    def of(cls, user_inputs: list[str]) -> _Dictionaries:
        words = matching.build_ranked_dict(w.lower() for w in user_inputs)
        return cls(words, max([_LONGEST_SHIPPED, *map(len, words)]))

    def lookup(self, word: str) -> tuple[tuple[str, int], ...]:
        shipped = _SHIPPED.get(word, ())
        return (*shipped, ("user_inputs", self.user_inputs[word])) if word in self.user_inputs else shipped


@dataclass(frozen=True)
class Estimate:
    score: int  # zxcvbn's 0..4; 3 and above resists offline guessing against a slow hash
    dictionaries: frozenset[str]  # the lists the cheapest reading of the password used ("passwords", "user_inputs")


def estimate_input(password: str) -> str:
    """The part of the password the estimator reads: its length is the bound on the estimate's work."""
    return password[:ESTIMATE_LENGTH]


def estimate(password: str, user_inputs: list[str]) -> Estimate:
    """zxcvbn's score of the password's first ESTIMATE_LENGTH characters, with user_inputs as a dictionary."""
    text = estimate_input(password)
    if not text:
        return Estimate(0, frozenset())  # zxcvbn's scoring fails on an empty string
    result = scoring.most_guessable_match_sequence(text, _omnimatch(text, _Dictionaries.of(user_inputs)))
    used = frozenset(m.get("dictionary_name", "") for m in result["sequence"] if m["pattern"] == "dictionary")
    return Estimate(time_estimates.guesses_to_score(Decimal(result["guesses"])), used - {""})


def l33t_readings(text: str) -> list[str]:
    """The text with every substitution character read as a letter: one reading per choice for '1', '|', '7'."""
    present = sorted(c for c in set(text) if c in _READINGS)
    choices = [[(c, letter) for letter in _READINGS[c]] for c in present]
    tables: list[dict[str, str | int | None]] = [dict(combo) for combo in itertools.product(*choices)]
    return [text.translate(str.maketrans(table)) for table in tables] if present else []


def _omnimatch(text: str, dictionaries: _Dictionaries) -> list[_Match]:
    matches: list[_Match] = [
        *_dictionary_match(text, dictionaries), *_reverse_dictionary_match(text, dictionaries),
        *_l33t_match(text, dictionaries), *_repeat_match(text, dictionaries), *matching.spatial_match(text),
        *matching.sequence_match(text), *matching.regex_match(text), *matching.date_match(text)]
    return sorted(matches, key=lambda m: (m["i"], m["j"]))


def _dictionary_match(text: str, dictionaries: _Dictionaries) -> list[_Match]:
    """zxcvbn's dictionary matcher over substrings no longer than the longest word, one lookup each."""
    matches, lower = [], _lower(text)
    for i in range(len(text)):
        for j in range(i, min(len(text), i + dictionaries.longest)):
            for name, rank in dictionaries.lookup(lower[i:j + 1]):
                matches.append({"pattern": "dictionary", "i": i, "j": j, "token": text[i:j + 1],
                                "matched_word": lower[i:j + 1], "rank": rank, "dictionary_name": name,
                                "reversed": False, "l33t": False})
    return matches


def _lower(text: str) -> str:
    """Lower case, character for character: 'İ'.lower() is two characters, which shifted zxcvbn's indices and fed
    its scoring a match at every position (171 ms for 64 of them)."""
    lower = text.lower()
    return lower if len(lower) == len(text) else "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _reverse_dictionary_match(text: str, dictionaries: _Dictionaries) -> list[_Match]:
    matches = _dictionary_match(text[::-1], dictionaries)
    for match in matches:
        match.update(token=match["token"][::-1], reversed=True, i=len(text) - 1 - match["j"],
                     j=len(text) - 1 - match["i"])
    return matches


def _l33t_match(text: str, dictionaries: _Dictionaries) -> list[_Match]:
    found: dict[tuple[int, int, str, str], _Match] = {}
    for reading in l33t_readings(text):
        for match in _dictionary_match(reading, dictionaries):
            token = text[match["i"]:match["j"] + 1]
            if _lower(token) == match["matched_word"] or len(token) < 2:
                continue  # zxcvbn keeps only matches that contain an actual substitution
            sub = {c: reading[k] for k, c in enumerate(token, match["i"]) if c != reading[k]}
            match.update(l33t=True, token=token, sub=sub,
                         sub_display=", ".join(f"{k} -> {v}" for k, v in sub.items()))
            found.setdefault((match["i"], match["j"], match["dictionary_name"], match["matched_word"]), match)
    return list(found.values())


def _repeat_match(text: str, dictionaries: _Dictionaries) -> list[_Match]:
    """zxcvbn's repeat matcher, its base scored with the bounded matchers above."""
    matches, last = [], 0
    while last < len(text):
        greedy, lazy = _GREEDY.search(text, pos=last), _LAZY.search(text, pos=last)
        if not greedy or not lazy:
            break
        if len(greedy.group(0)) > len(lazy.group(0)):
            found, base = greedy, _LAZY_ANCHORED.search(greedy.group(0)).group(1)  # type: ignore[union-attr]
        else:
            found, base = lazy, lazy.group(1)
        analysis = scoring.most_guessable_match_sequence(base, _omnimatch(base, dictionaries))
        i, j = found.span()[0], found.span()[1] - 1
        matches.append({"pattern": "repeat", "i": i, "j": j, "token": found.group(0), "base_token": base,
                        "base_guesses": analysis["guesses"], "base_matches": analysis["sequence"],
                        "repeat_count": len(found.group(0)) / len(base)})
        last = j + 1
    return matches
