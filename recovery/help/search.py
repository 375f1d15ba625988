"""Searching the help centre in English or Chinese: `search_articles(session, query, lang, limit=5)` -> hits,
best first. The public surface other packages (the assistant, deflection) call.

A query becomes terms (recovery/help/text.py: segmented Chinese with bigrams, stemmed English), each unknown
English word is corrected against the index's vocabulary (recovery/help/typos.py), and the index ranks the
published translations in that language (recovery/help/index.py: bm25 on SQLite, ts_rank on PostgreSQL). The cost
is bounded by the query's length and number of terms, never by what is typed."""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from recovery.help import index
from recovery.help.models import LANGUAGES, HelpArticle, HelpIndexState, HelpSearchDoc, HelpTranslation
from recovery.help.text import MAX_QUERY_CHARS, query_terms
from recovery.help.text import words as words_of
from recovery.help.typos import Vocabulary

__all__ = ["Hit", "article_path", "search_articles"]


@dataclass(frozen=True)
class Hit:
    slug: str
    title: str
    summary: str
    url: str  # a root-relative path: /help/<slug>
    actions: list[str]
    score: float


def article_path(slug: str) -> str:
    return f"/help/{slug}"


def search_articles(session: Session, query: str, lang: str, *, limit: int = 5) -> list[Hit]:
    """The published articles that answer `query`, best first, in `lang`; a query written in Chinese characters
    is searched in Chinese whatever page it came from (an English page's index holds no Chinese words, and the
    English search box suggests a Chinese example)."""
    lang = lang if lang in LANGUAGES else "en"
    limit = max(1, min(limit, 50))
    query = (query or "")[:MAX_QUERY_CHARS]
    if lang == "en" and _HAN.search(query):
        lang = "zh"
    lexicon = _lexicon(session, lang)
    rows = index.match(session, lang, lexicon.useful(query_terms(query, lexicon.typos.correct)), limit)
    return [Hit(slug=row.slug, title=row.title, summary=row.summary, url=article_path(row.slug),
                actions=[a for a in row.actions.split(",") if a], score=float(row.rank)) for row in rows]


@dataclass
class Lexicon:
    """What one language's index holds, built once per index generation and per process: each term's document
    frequency (a query keeps only terms the index has, rarest first, at most MAX_MATCH_TERMS: a term in most
    documents adds work and little ranking) and the English words for typo correction."""

    documents: int
    frequency: Counter
    typos: Vocabulary

    def useful(self, terms: list[str]) -> list[str]:
        known = sorted((t for t in terms if self.frequency[t]), key=lambda t: self.frequency[t])
        rare = [t for t in known if self.frequency[t] <= COMMON_SHARE * self.documents]
        return (rare or known[:1])[:MAX_MATCH_TERMS]


MAX_MATCH_TERMS = 12
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
COMMON_SHARE = 0.6  # a term in more than 60 % of the documents is dropped when rarer terms remain

# (database, language) -> (the index's generation it was built from, its lexicon)
_LEXICONS: dict[tuple[str, str], tuple[str, Lexicon]] = {}
_LOCK = threading.Lock()


def _lexicon(session: Session, lang: str) -> Lexicon:
    generation = session.scalar(select(HelpIndexState.generation).where(HelpIndexState.id == 1)) or ""
    key = (str(session.get_bind().engine.url), lang)
    cached = _LEXICONS.get(key)
    if cached is not None and cached[0] == generation:
        return cached[1]
    frequency: Counter = Counter()
    documents = 0
    for row in session.execute(select(HelpSearchDoc.title_terms, HelpSearchDoc.keyword_terms,
                                      HelpSearchDoc.body_terms).where(HelpSearchDoc.lang == lang)):
        frequency.update({term for part in row for term in part.split()})
        documents += 1
    words: Counter = Counter()
    for text in session.execute(
            select(HelpTranslation.title, HelpTranslation.summary, HelpTranslation.keywords, HelpTranslation.body)
            .join(HelpArticle, HelpArticle.id == HelpTranslation.article_id)
            .where(HelpTranslation.lang == lang, HelpTranslation.published_revision_id.is_not(None),
                   HelpArticle.status == "published")):
        words.update(words_of(" ".join(text)))
    lexicon = Lexicon(documents, frequency, Vocabulary.build(words))
    with _LOCK:
        _LEXICONS[key] = (generation, lexicon)
    return lexicon
