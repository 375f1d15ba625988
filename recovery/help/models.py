"""Models of the help centre: categories, articles, their translations and revisions, feedback, counters and the
search documents (the full-text index itself is the help_fts table the migration makes per database)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recovery.db import Base, UTCDateTime

LANGUAGES = ("en", "zh")
ARTICLE_STATUSES = ("published", "hidden")
# A revision is "draft" until published; "published" once it was (the translation points at the live one).
REVISION_STATES = ("draft", "published")
REVISION_SOURCES = ("import", "console")


class HelpCategory(Base):
    __tablename__ = "help_categories"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120))
    order: Mapped[int] = mapped_column(Integer, default=0)


class HelpArticle(Base):
    __tablename__ = "help_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    category: Mapped[str] = mapped_column(ForeignKey("help_categories.key"))
    order: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="published")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HelpTranslation(Base):
    """One language of an article: the published text (what the pages and search show) and its revision."""

    __tablename__ = "help_translations"
    __table_args__ = (UniqueConstraint("article_id", "lang", name="uq_help_translations_article_lang"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("help_articles.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    keywords: Mapped[str] = mapped_column(String(500), default="")
    actions: Mapped[str] = mapped_column(String(200), default="")
    # NULL until a revision is published (a translation first written in the console is a draft only).
    published_revision_id: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set by the first save in the console: from then on `help-import` leaves this translation alone.
    edited_in_console: Mapped[bool] = mapped_column(Boolean, default=False)


class HelpRevision(Base):
    """Every text a translation ever had, imported or written in the console, draft or published."""

    __tablename__ = "help_revisions"
    __table_args__ = (Index("ix_help_revisions_translation", "translation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    translation_id: Mapped[int] = mapped_column(ForeignKey("help_translations.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    keywords: Mapped[str] = mapped_column(String(500), default="")
    actions: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Who published it and when: the revision history is the audit trail of the content (docs/help.md).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class HelpFeedback(Base):
    __tablename__ = "help_feedback"
    __table_args__ = (Index("ix_help_feedback_article", "article_id", "lang"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("help_articles.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(2))
    helpful: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HelpViewCount(Base):
    __tablename__ = "help_view_counts"

    article_id: Mapped[int] = mapped_column(ForeignKey("help_articles.id", ondelete="CASCADE"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(2), primary_key=True)
    views: Mapped[int] = mapped_column(Integer, default=0)


class HelpSearchCount(Base):
    """Searches people typed, normalised, with how many results the last one found (0: a content gap)."""

    __tablename__ = "help_search_counts"
    __table_args__ = (Index("ix_help_search_counts_results", "results", "searches"),)

    lang: Mapped[str] = mapped_column(String(2), primary_key=True)
    query: Mapped[str] = mapped_column(String(200), primary_key=True)
    searches: Mapped[int] = mapped_column(Integer, default=0)
    results: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HelpSearchDoc(Base):
    """What the full-text index holds for one published translation, as segmented terms (title and keywords
    weighted above the body); its id is the index's row id. `generation` moves on every change, so each
    process knows when to rebuild its typo vocabulary."""

    __tablename__ = "help_search_docs"
    __table_args__ = (UniqueConstraint("article_id", "lang", name="uq_help_search_docs_article_lang"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("help_articles.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(2))
    title_terms: Mapped[str] = mapped_column(Text)
    keyword_terms: Mapped[str] = mapped_column(Text)
    body_terms: Mapped[str] = mapped_column(Text)


class HelpIndexState(Base):
    __tablename__ = "help_index_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A fresh random value on every change (not a counter: a rolled-back change must not leave a number that a
    # later, different change reuses while a process still holds the vocabulary built under it).
    generation: Mapped[str] = mapped_column(String(32))
