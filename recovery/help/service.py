"""What the help centre's pages do: the published articles by category, one article in a language (or the other
one when it is missing), views and searches counted, "Was this helpful?" recorded, the content team's report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from recovery.context import ServiceContext
from recovery.db import rowcount
from recovery.errors import NotFound
from recovery.help.models import (
    LANGUAGES,
    HelpArticle,
    HelpCategory,
    HelpFeedback,
    HelpSearchCount,
    HelpTranslation,
    HelpViewCount,
)
from recovery.help.search import Hit, search_articles
from recovery.help.text import MAX_QUERY_CHARS, normalise

__all__ = ["ArticleView", "Category", "Listed", "get_article_view", "list_articles", "list_categories",
           "record_feedback", "record_view", "search_and_count"]


@dataclass(frozen=True)
class Listed:
    slug: str
    title: str
    summary: str
    lang: str  # the language this title is in (the page's, or the other one when the article lacks it)
    category: str
    actions: list[str]


@dataclass(frozen=True)
class Category:
    key: str
    name: str
    articles: list[Listed]


@dataclass(frozen=True)
class ArticleView:
    article_id: int
    slug: str
    lang: str  # the language of the text shown
    wanted: str  # the language asked for: differs when only the other translation exists
    title: str
    summary: str
    body: str
    actions: list[str]
    category: str
    published_at: object


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else "en"


def list_articles(session: Session, lang: str) -> list[Listed]:
    """Every published article once, in `lang` where it has that translation, else in the other language."""
    lang = _lang(lang)
    rows = session.execute(
        select(HelpArticle.slug, HelpArticle.category, HelpTranslation.lang, HelpTranslation.title,
               HelpTranslation.summary, HelpTranslation.actions)
        .join(HelpTranslation, HelpTranslation.article_id == HelpArticle.id)
        .where(HelpArticle.status == "published", HelpTranslation.published_revision_id.is_not(None))
        .order_by(HelpArticle.order, HelpArticle.slug))
    chosen: dict[str, Listed] = {}
    for row in rows:
        if row.slug not in chosen or row.lang == lang:
            chosen[row.slug] = Listed(row.slug, row.title, row.summary, row.lang, row.category,
                                      [a for a in row.actions.split(",") if a])
    return list(chosen.values())


def list_categories(session: Session, lang: str) -> list[Category]:
    articles = list_articles(session, lang)
    categories = session.scalars(select(HelpCategory).order_by(HelpCategory.order, HelpCategory.key))
    out = []
    for category in categories:
        inside = [a for a in articles if a.category == category.key]
        if inside:
            out.append(Category(category.key, category.name_zh if _lang(lang) == "zh" else category.name_en, inside))
    return out


def get_article_view(session: Session, slug: str, lang: str) -> ArticleView:
    lang = _lang(lang)
    article = session.scalar(select(HelpArticle).where(HelpArticle.slug == slug, HelpArticle.status == "published"))
    if article is None:
        raise NotFound()
    translations = {t.lang: t for t in session.scalars(
        select(HelpTranslation).where(HelpTranslation.article_id == article.id,
                                      HelpTranslation.published_revision_id.is_not(None)))}
    translation = translations.get(lang) or next(iter(translations.values()), None)
    if translation is None:
        raise NotFound()
    return ArticleView(article.id, article.slug, translation.lang, lang, translation.title, translation.summary,
                       translation.body, [a for a in translation.actions.split(",") if a], article.category,
                       translation.published_at)


def _upsert(session: Session, model, values: dict, keys: list[str], increments: dict) -> None:
    """INSERT ... ON CONFLICT DO UPDATE: a counter that two requests bump at once counts both."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(model).values(**values)
    statement = statement.on_conflict_do_update(index_elements=keys, set_={
        name: (getattr(model, name) + 1 if value == "+1" else value) for name, value in increments.items()})
    session.execute(statement)


def record_view(ctx: ServiceContext, article_id: int, lang: str) -> None:
    _upsert(ctx.session, HelpViewCount, {"article_id": article_id, "lang": _lang(lang), "views": 1},
            ["article_id", "lang"], {"views": "+1"})


def search_and_count(ctx: ServiceContext, query: str, lang: str, *, limit: int = 10) -> list[Hit]:
    """A person's search: the hits, and the search counted with how many it found (0 shows as a content gap)."""
    hits = search_articles(ctx.session, query, lang, limit=limit)
    text = " ".join(normalise(query).split())[:MAX_QUERY_CHARS]
    if text:
        _upsert(ctx.session, HelpSearchCount, {"lang": _lang(lang), "query": text, "searches": 1,
                                               "results": len(hits), "last_at": ctx.clock.now()},
                ["lang", "query"], {"searches": "+1", "results": len(hits), "last_at": ctx.clock.now()})
    return hits


# How long a search typed by someone is remembered after it was last typed: long enough for the content-gap
# report (searches that found nothing) to show a season's worth, and no longer, so distinct queries typed over
# the years (or by a script) do not grow the table without end.
SEARCH_COUNTS_KEPT = timedelta(days=180)


def prune_search_counts(ctx: ServiceContext) -> int:
    """Forget searches not typed for SEARCH_COUNTS_KEPT (a periodic job); returns how many."""
    result = ctx.session.execute(delete(HelpSearchCount)
                                 .where(HelpSearchCount.last_at < ctx.clock.now() - SEARCH_COUNTS_KEPT)
                                 .execution_options(synchronize_session=False))
    return rowcount(result)


def record_feedback(ctx: ServiceContext, slug: str, lang: str, *, helpful: bool, reason: str | None) -> None:
    article = ctx.session.scalar(select(HelpArticle).where(HelpArticle.slug == slug,
                                                           HelpArticle.status == "published"))
    if article is None:
        raise NotFound()
    ctx.session.add(HelpFeedback(article_id=article.id, lang=_lang(lang), helpful=helpful,
                                 reason=(reason or "").strip()[:500] or None, created_at=ctx.clock.now()))
    ctx.session.flush()


def published_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(HelpArticle).where(HelpArticle.status == "published")) or 0
