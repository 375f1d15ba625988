"""The help centre's pages: /help (categories, a search box), /help/search (results), /help/<slug> (an article
in the page's language, or the other one with a plain note) and its "Was this helpful?" form."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from recovery.help import service, view_kit
from recovery.help.schemas import FeedbackBody, PageSearchQuery
from recovery.help.view_kit import limit_feedback, limit_search, page_lang
from recovery.web.context import service_context
from recovery.web.forms import form_page, parse, parse_form

bp = Blueprint("help", __name__)
view_kit.register(bp)


@bp.get("/help")
def index():
    ctx = service_context()
    return render_template("help/index.html", categories=service.list_categories(ctx.session, page_lang()),
                           query="", form={}, errors={})


@bp.get("/help/search")
@limit_search
@form_page("help/search.html", lambda: {"query": "", "hits": None})
def search():
    query = parse(PageSearchQuery(), request.args.to_dict())["q"].strip()
    if not query:
        return redirect(url_for("help.index"))
    hits = service.search_and_count(service_context(), query, page_lang())
    return render_template("help/search.html", query=query, hits=hits, form={}, errors={})


def _article(slug: str) -> dict:
    ctx = service_context()
    return {"article": service.get_article_view(ctx.session, slug, page_lang()), "query": ""}


@bp.get("/help/<slug>")
def article(slug: str):
    context = _article(slug)
    service.record_view(service_context(), context["article"].article_id, context["article"].lang)
    return render_template("help/article.html", form={}, errors={}, thanked=request.args.get("thanks") == "1",
                           **context)


@bp.post("/help/<slug>/feedback")
@limit_feedback
@form_page("help/article.html", lambda slug: {**_article(slug), "thanked": False})
def feedback(slug: str):
    data = parse_form(FeedbackBody())
    service.record_feedback(service_context(), slug, data["lang"], helpful=data["helpful"] == "yes",
                            reason=data["reason"])
    flash(gettext("Thank you: your answer helps us improve this article."), "success")
    return redirect(url_for("help.article", slug=slug, thanks=1) + "#feedback", 303)
