"""The content team's reads: every article with its translations' state (the console's list), and the report:
top articles by views, articles rated unhelpful with the reasons given, searches that found nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from recovery.help.models import (
    HelpArticle,
    HelpFeedback,
    HelpRevision,
    HelpSearchCount,
    HelpTranslation,
    HelpViewCount,
)


@dataclass
class ConsoleRow:
    slug: str
    category: str
    titles: dict[str, str] = field(default_factory=dict)  # lang -> title
    published: dict[str, bool] = field(default_factory=dict)  # lang -> has a published text
    drafts: dict[str, bool] = field(default_factory=dict)  # lang -> has a draft newer than the published text


def console_rows(session: Session) -> list[ConsoleRow]:
    newest_draft = (select(HelpRevision.translation_id, func.max(HelpRevision.id).label("draft_id"))
                    .where(HelpRevision.state == "draft").group_by(HelpRevision.translation_id).subquery())
    rows = session.execute(
        select(HelpArticle.slug, HelpArticle.category, HelpTranslation.lang, HelpTranslation.title,
               HelpTranslation.published_revision_id, newest_draft.c.draft_id)
        .outerjoin(HelpTranslation, HelpTranslation.article_id == HelpArticle.id)
        .outerjoin(newest_draft, newest_draft.c.translation_id == HelpTranslation.id)
        .order_by(HelpArticle.category, HelpArticle.order, HelpArticle.slug))
    out: dict[str, ConsoleRow] = {}
    for row in rows:
        item = out.setdefault(row.slug, ConsoleRow(row.slug, row.category))
        if row.lang:
            item.titles[row.lang] = row.title
            item.published[row.lang] = row.published_revision_id is not None
            item.drafts[row.lang] = row.draft_id is not None and (row.published_revision_id is None
                                                                  or row.draft_id > row.published_revision_id)
    return list(out.values())


@dataclass(frozen=True)
class Viewed:
    slug: str
    lang: str
    views: int


@dataclass
class Rated:
    slug: str
    lang: str
    helpful: int
    unhelpful: int
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Gap:
    query: str
    lang: str
    searches: int
    last_at: object


@dataclass
class Report:
    top: list[Viewed]
    unhelpful: list[Rated]
    gaps: list[Gap]


def content_report(session: Session, *, limit: int = 20) -> Report:
    top = [Viewed(r.slug, r.lang, r.views) for r in session.execute(
        select(HelpArticle.slug, HelpViewCount.lang, HelpViewCount.views)
        .join(HelpArticle, HelpArticle.id == HelpViewCount.article_id)
        .order_by(HelpViewCount.views.desc(), HelpArticle.slug).limit(limit))]
    no = func.sum(case((HelpFeedback.helpful.is_(False), 1), else_=0))
    rated = [Rated(r.slug, r.lang, int(r.yes), int(r.no)) for r in session.execute(
        select(HelpArticle.slug, HelpFeedback.lang, HelpFeedback.article_id,
               func.sum(case((HelpFeedback.helpful.is_(True), 1), else_=0)).label("yes"), no.label("no"))
        .join(HelpArticle, HelpArticle.id == HelpFeedback.article_id)
        .group_by(HelpArticle.slug, HelpFeedback.lang, HelpFeedback.article_id)
        .having(no > 0).order_by(no.desc(), HelpArticle.slug).limit(limit))]
    for item in rated:
        item.reasons = list(session.scalars(
            select(HelpFeedback.reason).join(HelpArticle, HelpArticle.id == HelpFeedback.article_id)
            .where(HelpArticle.slug == item.slug, HelpFeedback.lang == item.lang, HelpFeedback.helpful.is_(False),
                   HelpFeedback.reason.is_not(None))
            .order_by(HelpFeedback.id.desc()).limit(10)))
    gaps = [Gap(r.query, r.lang, r.searches, r.last_at) for r in session.execute(
        select(HelpSearchCount.query, HelpSearchCount.lang, HelpSearchCount.searches, HelpSearchCount.last_at)
        .where(HelpSearchCount.results == 0)
        .order_by(HelpSearchCount.searches.desc(), HelpSearchCount.last_at.desc()).limit(limit))]
    return Report(top, rated, gaps)
