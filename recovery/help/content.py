"""The articles kept in the repository (content/help/<slug>/{en,zh}.md and categories.toml) and their import.

`import_content` is idempotent: a translation the files add is created and published, one whose file changed is
given a new published revision, one unchanged is left alone, and one that has been edited in the console
(`edited_in_console`) is never overwritten: from its first console save the console owns it."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from recovery.context import ServiceContext
from recovery.help.models import LANGUAGES, HelpArticle, HelpCategory, HelpTranslation
from recovery.help.revisions import TEXT_FIELDS, publish, write_revision
from recovery.settings import PROJECT_ROOT

CONTENT_DIR = PROJECT_ROOT / "content" / "help"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class ContentError(ValueError):
    """A content file that cannot be read as an article (the import names the file)."""


@dataclass
class ArticleFile:
    slug: str
    lang: str
    title: str
    summary: str
    category: str
    order: int
    body: str
    keywords: str = ""
    actions: list[str] = field(default_factory=list)

    def text(self) -> dict[str, str]:
        return {"title": self.title, "summary": self.summary, "body": self.body, "keywords": self.keywords,
                "actions": ",".join(self.actions)}


def parse_article(source: str, *, slug: str, lang: str) -> ArticleFile:
    """Front matter between '---' lines (key: value), then the Markdown body."""
    lines = source.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---" or "---" not in (line.strip() for line in lines[1:]):
        raise ContentError("no front matter between '---' lines")
    end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "---")
    meta: dict[str, str] = {}
    for line in lines[1:end]:
        if line.strip():
            key, sep, value = line.partition(":")
            if not sep:
                raise ContentError(f"front matter line without ':': {line!r}")
            meta[key.strip()] = value.strip()
    missing = {"title", "summary", "category"} - meta.keys()
    if missing:
        raise ContentError(f"front matter lacks {', '.join(sorted(missing))}")
    try:
        order = int(meta.get("order") or 0)
    except ValueError as error:
        raise ContentError(f"order is not a number: {meta['order']!r}") from error
    return ArticleFile(slug=slug, lang=lang, title=meta["title"], summary=meta["summary"], category=meta["category"],
                       order=order, body="\n".join(lines[end + 1:]).strip() + "\n",
                       keywords=", ".join(k.strip() for k in meta.get("keywords", "").split(",") if k.strip()),
                       actions=[a.strip() for a in meta.get("actions", "").split(",") if a.strip()])


def read_content(root: Path = CONTENT_DIR) -> tuple[dict[str, dict], list[ArticleFile]]:
    """The categories and every article file under `root` (sorted, so the import is deterministic)."""
    categories_file = root / "categories.toml"
    categories = tomllib.loads(categories_file.read_text("utf-8")) if categories_file.exists() else {}
    files = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.exists() else []:
        if not SLUG.match(folder.name):
            raise ContentError(f"{folder}: not a slug (lower-case letters, digits, hyphens)")
        for lang in LANGUAGES:
            path = folder / f"{lang}.md"
            if path.exists():
                try:
                    files.append(parse_article(path.read_text("utf-8"), slug=folder.name, lang=lang))
                except ContentError as error:
                    raise ContentError(f"{path}: {error}") from error
    return categories, files


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)  # slug/lang edited in the console, left as they are


def import_content(ctx: ServiceContext, root: Path = CONTENT_DIR) -> ImportReport:
    categories, files = read_content(root)
    _import_categories(ctx, categories)
    report = ImportReport()
    for file in files:
        if file.category not in categories and ctx.session.get(HelpCategory, file.category) is None:
            raise ContentError(f"{file.slug}/{file.lang}.md: unknown category {file.category!r}")
        article = _article(ctx, file)
        _import_translation(ctx, article, file, report)
    return report


def _import_categories(ctx: ServiceContext, categories: dict[str, dict]) -> None:
    for key, names in categories.items():
        category = ctx.session.get(HelpCategory, key) or HelpCategory(key=key)
        category.name_en = str(names.get("en") or key)
        category.name_zh = str(names.get("zh") or category.name_en)
        category.order = int(names.get("order") or 0)
        ctx.session.add(category)
    ctx.session.flush()


def _article(ctx: ServiceContext, file: ArticleFile) -> HelpArticle:
    article = ctx.session.scalar(select(HelpArticle).where(HelpArticle.slug == file.slug))
    if article is None:
        article = HelpArticle(slug=file.slug, category=file.category, order=file.order, status="published",
                              created_at=ctx.clock.now())
        ctx.session.add(article)
        ctx.session.flush()
    elif file.lang == "en" or article.category != file.category:
        article.category, article.order = file.category, file.order
    return article


def _import_translation(ctx: ServiceContext, article: HelpArticle, file: ArticleFile, report: ImportReport) -> None:
    translation = ctx.session.scalar(select(HelpTranslation).where(HelpTranslation.article_id == article.id,
                                                                  HelpTranslation.lang == file.lang))
    wanted = file.text()
    if translation is not None and translation.edited_in_console:
        report.kept.append(f"{file.slug}/{file.lang}")
        return
    if translation is not None and all(getattr(translation, name) == wanted[name] for name in TEXT_FIELDS):
        report.unchanged += 1
        return
    if translation is None:
        translation = HelpTranslation(article_id=article.id, lang=file.lang, **wanted)
        ctx.session.add(translation)
        ctx.session.flush()
        report.created += 1
    else:
        report.updated += 1
    publish(ctx, write_revision(ctx, translation, wanted, source="import", author_id=None), publisher_id=None)
