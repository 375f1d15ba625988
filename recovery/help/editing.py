"""The content team's changes in the console: save a draft, publish it, restore an old revision as a draft.
The first console save marks the translation as the console's (help-import leaves it alone from then on)."""

from __future__ import annotations

from sqlalchemy import select

from recovery.context import ServiceContext
from recovery.errors import N_, Conflict, NotFound
from recovery.help.models import LANGUAGES, HelpArticle, HelpRevision, HelpTranslation
from recovery.help.revisions import TEXT_FIELDS, get_revision, publish, write_revision


def get_article(ctx: ServiceContext, slug: str) -> HelpArticle:
    article = ctx.session.scalar(select(HelpArticle).where(HelpArticle.slug == slug))
    if article is None:
        raise NotFound()
    return article


def find_translation(ctx: ServiceContext, article: HelpArticle, lang: str) -> HelpTranslation | None:
    return ctx.session.scalar(select(HelpTranslation).where(HelpTranslation.article_id == article.id,
                                                           HelpTranslation.lang == lang))


def save_draft(ctx: ServiceContext, slug: str, lang: str, text: dict[str, str], *, author_id: int | None,
               based_on: int | None = None) -> HelpRevision:
    """A new draft revision of the article's translation in `lang` (created, unpublished, when it is missing)."""
    if lang not in LANGUAGES:
        raise NotFound()
    article = get_article(ctx, slug)
    translation = find_translation(ctx, article, lang)
    fields = {name: text.get(name) or "" for name in TEXT_FIELDS}
    if translation is None:
        translation = HelpTranslation(article_id=article.id, lang=lang, **fields)
        ctx.session.add(translation)
        ctx.session.flush()
    elif based_on is not None:
        newest = ctx.session.scalar(select(HelpRevision.id).where(HelpRevision.translation_id == translation.id)
                                    .order_by(HelpRevision.id.desc()).limit(1))
        if newest is not None and newest != based_on:
            raise Conflict(N_("Someone saved this article after you opened it: open it again to see their change."))
    if not fields["actions"]:
        fields["actions"] = translation.actions
    translation.edited_in_console = True
    return write_revision(ctx, translation, fields, source="console", author_id=author_id)


def publish_draft(ctx: ServiceContext, revision_id: int, *, publisher_id: int | None) -> HelpTranslation:
    revision = get_revision(ctx, revision_id)
    if revision.state != "draft":
        raise Conflict(N_("This revision is already published."))
    translation = publish(ctx, revision, publisher_id=publisher_id)
    translation.edited_in_console = True
    return translation


def restore_revision(ctx: ServiceContext, revision_id: int, *, author_id: int | None) -> HelpRevision:
    """An old revision's text saved again as the newest draft; publishing it is a separate step."""
    old = get_revision(ctx, revision_id)
    translation = ctx.session.get(HelpTranslation, old.translation_id)
    if translation is None:
        raise NotFound()
    translation.edited_in_console = True
    return write_revision(ctx, translation, {name: getattr(old, name) for name in TEXT_FIELDS}, source="console",
                          author_id=author_id)


def revision_owner(ctx: ServiceContext, revision: HelpRevision) -> tuple[str, str]:
    """(slug, lang) of the translation a revision belongs to."""
    translation = ctx.session.get(HelpTranslation, revision.translation_id)
    article = ctx.session.get(HelpArticle, translation.article_id) if translation is not None else None
    if translation is None or article is None:
        raise NotFound()
    return article.slug, translation.lang
