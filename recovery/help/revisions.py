"""Revisions of a translation: every save is a revision (imported or written in the console); publishing one
copies its text onto the translation, which the pages and the search index show. Restoring an old revision
writes it again as a new draft, so history is never rewritten."""

from __future__ import annotations

from sqlalchemy import select

from recovery.context import ServiceContext
from recovery.errors import NotFound
from recovery.help.indexing import index_translation
from recovery.help.models import HelpArticle, HelpRevision, HelpTranslation

TEXT_FIELDS = ("title", "summary", "body", "keywords", "actions")


def write_revision(ctx: ServiceContext, translation: HelpTranslation, text: dict[str, str], *, source: str,
                   author_id: int | None) -> HelpRevision:
    revision = HelpRevision(translation_id=translation.id, state="draft", source=source, author_id=author_id,
                            created_at=ctx.clock.now(), **{name: text[name] for name in TEXT_FIELDS})
    ctx.session.add(revision)
    ctx.session.flush()
    return revision


def publish(ctx: ServiceContext, revision: HelpRevision, *, publisher_id: int | None) -> HelpTranslation:
    """Make this revision the translation's live text and index it."""
    translation = ctx.session.get(HelpTranslation, revision.translation_id)
    if translation is None:
        raise NotFound()
    now = ctx.clock.now()
    for name in TEXT_FIELDS:
        setattr(translation, name, getattr(revision, name))
    translation.published_revision_id, translation.published_at = revision.id, now
    revision.state, revision.published_at, revision.published_by_id = "published", now, publisher_id
    ctx.session.flush()
    article = ctx.session.get(HelpArticle, translation.article_id)
    if article is not None and article.status == "published":
        index_translation(ctx.session, translation)
    return translation


def get_revision(ctx: ServiceContext, revision_id: int) -> HelpRevision:
    revision = ctx.session.get(HelpRevision, revision_id)
    if revision is None:
        raise NotFound()
    return revision


def latest_draft(ctx: ServiceContext, translation: HelpTranslation) -> HelpRevision | None:
    """The newest revision saved after the published one, if any (what the editor opens)."""
    query = select(HelpRevision).where(HelpRevision.translation_id == translation.id, HelpRevision.state == "draft")
    if translation.published_revision_id is not None:
        query = query.where(HelpRevision.id > translation.published_revision_id)
    return ctx.session.scalar(query.order_by(HelpRevision.id.desc()).limit(1))


def history(ctx: ServiceContext, translation: HelpTranslation) -> list[HelpRevision]:
    return list(ctx.session.scalars(select(HelpRevision).where(HelpRevision.translation_id == translation.id)
                                    .order_by(HelpRevision.id.desc()).limit(200)))
