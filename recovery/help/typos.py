"""Typo tolerance for English queries: a word the index does not hold is replaced by the index's word within two
edits (a deletion neighbourhood, as SymSpell does), the most frequent first. The cost is bounded by the word's
length (at most 20 letters are corrected, ~200 dictionary look-ups), never by the vocabulary's size."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_WORD = 20
MIN_WORD = 4  # shorter words have too many neighbours to guess from


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


@dataclass
class Vocabulary:
    """The index's English words with their document frequency, and each word's one- and two-letter deletions."""

    frequency: Counter = field(default_factory=Counter)
    neighbours: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, words: Counter) -> Vocabulary:
        vocabulary = cls(frequency=words)
        for word in words:
            if not MIN_WORD <= len(word) <= MAX_WORD:
                continue
            first = _deletes(word)
            for variant in first | {d for one in first for d in _deletes(one)}:
                vocabulary.neighbours.setdefault(variant, set()).add(word)
        return vocabulary

    def correct(self, word: str) -> str | None:
        """The word itself when known, else its likeliest correction within two edits, else None."""
        if word in self.frequency:
            return word
        if not MIN_WORD <= len(word) <= MAX_WORD or not word.isalpha():
            return None
        first = _deletes(word)
        keys = {word} | first | {d for one in first for d in _deletes(one)}
        candidates = {c for key in keys for c in self.neighbours.get(key, ())}
        best = None
        for candidate in candidates:
            rank = (distance(word, candidate), -self.frequency[candidate], candidate)
            if rank[0] <= 2 and (best is None or rank < best):
                best = rank
        return best[2] if best else None
