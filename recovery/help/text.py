"""Search terms from text in both languages: Latin words lower-cased and lightly stemmed, Chinese segmented by
rjieba (jieba's dictionary in Rust) plus every character bigram of a Chinese run, the fallback for words the
dictionary does not know ("号被盗" still meets "账号被盗" through 被盗 and 号被)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import rjieba

# A run of Chinese characters, or of Latin letters and digits (apostrophes inside a word are dropped first:
# "can't" reads as "cant", the way people type it).
_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MAX_QUERY_CHARS = 200  # a longer query is cut: its cost stays bounded whatever is typed
MAX_QUERY_TERMS = 24

STOP_WORDS = frozenset((
    "a an and are as at be by can could do does for from how i if in is it its me my of on or our so that the "
    "their them then there this to was we what when where which who why will with you your im ive dont"
).split()) | frozenset((
    "的 了 我 你 是 在 吗 呢 吧 啊 和 与 就 都 也 要 会 能 把 被 让 怎么 怎么办 什么 如何 为什么 一个 我的 "
    "该 怎样 这 那 有 没 没有 请问 还 又 个 么").split())


def normalise(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII), lower case, apostrophes dropped."""
    return unicodedata.normalize("NFKC", text).lower().replace("'", "").replace("\u2019", "")


def stem(word: str) -> str:
    """A light English stemmer: enough for "passwords"/"password", "codes"/"code", "locked"/"lock"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _bigrams(word: str) -> list[str]:
    return [word[i:i + 2] for i in range(len(word) - 1)]


def _chinese_terms(run: str) -> list[str]:
    """Segmented words, the bigrams of long words, and around every character the dictionary left alone (what
    remains of a word it does not know: 蓝鲸盾 -> 蓝鲸, 盾) the bigrams with its neighbours (鲸盾), so a query for
    the unknown word still meets the text."""
    out: list[str] = []
    position = 0
    for word in rjieba.cut(run):
        if len(word) == 1 and word not in STOP_WORDS:
            out.append(word)
            out.extend(pair for pair in (run[max(position - 1, 0):position + 1], run[position:position + 2])
                       if len(pair) == 2)
        elif len(word) > 1 and word not in STOP_WORDS:
            out.append(word)
            if len(word) > 2:
                out.extend(_bigrams(word))
        position += len(word)
    return out


def terms(text: str, correct: Callable[[str], str | None] | None = None) -> list[str]:
    """Every search term of a text, in order, repeats kept (term frequency matters to the ranking). `correct`
    may replace an English word before it is stemmed (typo tolerance: recovery/help/typos.py)."""
    out: list[str] = []
    for run in _RUN.findall(normalise(text)):
        if _CJK.match(run):
            out.extend(_chinese_terms(run))
        elif run not in STOP_WORDS:
            out.append(stem((correct(run) or run) if correct and run.isalpha() else run))
    return out


def words(text: str) -> set[str]:
    """The English words of a text as written (the typo vocabulary), not stemmed."""
    return {run for run in _RUN.findall(normalise(text)) if run.isascii() and run.isalpha()
            and run not in STOP_WORDS}


def query_terms(query: str, correct: Callable[[str], str | None] | None = None) -> list[str]:
    """A query's distinct terms, its length and number of terms bounded."""
    seen = dict.fromkeys(t for t in terms(query[:MAX_QUERY_CHARS], correct) if len(t) <= 40)
    return list(seen)[:MAX_QUERY_TERMS]


def is_chinese(term: str) -> bool:
    return bool(_CJK.match(term))
