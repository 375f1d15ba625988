"""Importing content/help: idempotent, a changed file is a new published revision, a translation edited in the
console is never overwritten, malformed files are named; the command the serve command runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers.database import rows

from recovery.help import editing
from recovery.help.content import ContentError, import_content, parse_article
from recovery.help.models import HelpArticle, HelpRevision, HelpTranslation

FIXTURES = Path(__file__).parent / "fixtures" / "content"


def test_a_second_import_changes_nothing(services, app, articles):
    assert (articles.created, articles.updated) == (7, 0)
    before = len(rows(app, HelpRevision))
    with services() as ctx:
        again = import_content(ctx, FIXTURES)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    assert len(rows(app, HelpRevision)) == before and len(rows(app, HelpArticle)) == 4


def _changed_copy(tmp_path: Path, new_ending: str) -> Path:
    """The fixture articles with the English phishing article's last sentence changed."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURES, root)
    path = root / "phishing" / "en.md"
    path.write_text(path.read_text().replace("Do not reply.", new_ending))
    return root


def test_a_changed_file_becomes_a_new_published_revision(services, app, articles, tmp_path):
    root = _changed_copy(tmp_path, "Do not reply; report it.")
    with services() as ctx:
        report = import_content(ctx, root)
    assert (report.updated, report.unchanged) == (1, 6)
    [translation] = [t for t in rows(app, HelpTranslation) if t.body.endswith("report it.\n")]
    assert len([r for r in rows(app, HelpRevision) if r.translation_id == translation.id]) == 2


def test_a_translation_edited_in_the_console_is_never_overwritten(services, app, articles, tmp_path):
    with services() as ctx:
        draft = editing.save_draft(ctx, "phishing", "en", {"title": "Ours", "summary": "s", "body": "b"},
                                   author_id=None)
        editing.publish_draft(ctx, draft.id, publisher_id=None)
    root = _changed_copy(tmp_path, "Changed in the repository.")
    with services() as ctx:
        report = import_content(ctx, root)
    assert report.kept == ["phishing/en"] and report.updated == 0
    assert {t.title for t in rows(app, HelpTranslation) if t.lang == "en"} >= {"Ours"}


def test_front_matter_is_read_and_errors_name_the_problem():
    article = parse_article("---\ntitle: T\nsummary: S\ncategory: c\norder: 5\nkeywords: a , b,\n"
                            "actions: reset, secure\n---\nBody\n", slug="x", lang="en")
    assert (article.order, article.keywords, article.actions, article.body) == (5, "a, b", ["reset", "secure"],
                                                                                "Body\n")
    for bad, message in (("no front matter", "front matter"), ("---\ntitle: T\n---\n", "lacks"),
                         ("---\ntitle: T\nsummary: S\ncategory: c\norder: x\n---\n", "order")):
        with pytest.raises(ContentError, match=message):
            parse_article(bad, slug="x", lang="en")


def test_an_unknown_category_is_refused(services, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "en.md").write_text("---\ntitle: T\nsummary: S\ncategory: nowhere\n---\nB\n")
    with services() as ctx, pytest.raises(ContentError, match="unknown category"):
        import_content(ctx, tmp_path)


def test_the_import_command_reports_and_is_idempotent(app, services):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["recovery", "help-import", "--from", str(FIXTURES)])
    assert first.exit_code == 0 and "7 created" in first.output
    second = runner.invoke(args=["recovery", "help-import", "--from", str(FIXTURES)])
    assert second.exit_code == 0 and "0 created, 0 updated, 7 unchanged" in second.output
