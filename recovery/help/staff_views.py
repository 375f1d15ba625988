"""The content team's console (/staff/help, role `content` or admin): the articles, the editor with a server-side
preview, drafts, publishing, each translation's revision history (view an old one, restore it as a draft) and
the report (top articles, unhelpful ones with reasons, searches that found nothing)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext

from recovery.errors import NotFound
from recovery.help import editing, report, revisions, view_kit
from recovery.help.models import LANGUAGES
from recovery.help.schemas import DraftBody
from recovery.web.auth import role_required, signed_in_user
from recovery.web.context import service_context
from recovery.web.forms import form_page, parse_form

bp = Blueprint("help_staff", __name__, url_prefix="/staff/help")
view_kit.register(bp)
TEAM = "content"  # admin passes every role check
LANG = "<lang>"  # en or zh, else 404 (checked after the staff guard, which answers first)


@bp.get("")
@role_required(TEAM)
def index():
    return render_template("help/staff/index.html", rows=report.console_rows(service_context().session))


def _editor(slug: str, lang: str) -> dict:
    if lang not in LANGUAGES:
        raise NotFound()
    ctx = service_context()
    article = editing.get_article(ctx, slug)
    translation = editing.find_translation(ctx, article, lang)
    draft = revisions.latest_draft(ctx, translation) if translation is not None else None
    source = draft or translation
    text = {name: getattr(source, name) for name in ("title", "summary", "keywords", "body")} if source else {}
    newest = revisions.history(ctx, translation)[:1] if translation is not None else []
    return {"article": article, "lang": lang, "translation": translation, "draft": draft, "text": text,
            "based_on": newest[0].id if newest else None, "preview": None}


@bp.get(f"/<slug>/{LANG}")
@role_required(TEAM)
def edit(slug: str, lang: str):
    context = _editor(slug, lang)
    return render_template("help/staff/edit.html", form=context["text"], errors={}, **context)


@bp.post(f"/<slug>/{LANG}")
@role_required(TEAM)
@form_page("help/staff/edit.html", _editor)
def save(slug: str, lang: str):
    data = parse_form(DraftBody())
    intent, based_on = data.pop("intent"), data.pop("based_on")
    if intent == "preview":  # nothing saved: the same form again with the text rendered beside it
        context = _editor(slug, lang)
        context["preview"] = data
        return render_template("help/staff/edit.html", form={**data, "based_on": based_on}, errors={},
                               **{**context, "based_on": based_on})
    ctx = service_context()
    draft = editing.save_draft(ctx, slug, lang, data, author_id=signed_in_user().id, based_on=based_on)
    if intent == "publish":
        editing.publish_draft(ctx, draft.id, publisher_id=signed_in_user().id)
        flash(gettext("Published: the help centre shows this text now."), "success")
    else:
        flash(gettext("Draft saved. The help centre still shows the published text."), "success")
    return redirect(url_for("help_staff.edit", slug=slug, lang=lang), 303)


@bp.get(f"/<slug>/{LANG}/history")
@role_required(TEAM)
def history(slug: str, lang: str):
    context = _editor(slug, lang)
    translation = context["translation"]
    rows = revisions.history(service_context(), translation) if translation is not None else []
    return render_template("help/staff/history.html", revisions=rows, **context)


@bp.get("/revisions/<int:revision_id>")
@role_required(TEAM)
def revision(revision_id: int):
    ctx = service_context()
    old = revisions.get_revision(ctx, revision_id)
    return render_template("help/staff/revision.html", revision=old, owner=editing.revision_owner(ctx, old))


@bp.post("/revisions/<int:revision_id>/restore")
@role_required(TEAM)
def restore(revision_id: int):
    ctx = service_context()
    draft = editing.restore_revision(ctx, revision_id, author_id=signed_in_user().id)
    slug, lang = editing.revision_owner(ctx, draft)
    flash(gettext("The old text is now the newest draft: publish it when it is right."), "success")
    return redirect(url_for("help_staff.edit", slug=slug, lang=lang), 303)


@bp.get("/report")
@role_required(TEAM)
def content_report():
    return render_template("help/staff/report.html", report=report.content_report(service_context().session))
