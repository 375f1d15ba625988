"""The help centre's JSON API: search (best first) and the list of published articles, in English or Chinese."""

from __future__ import annotations

from flask import Blueprint, request

from recovery.help import service
from recovery.help.schemas import ArticlesOut, ArticlesQuery, SearchOut, SearchQuery
from recovery.help.search import article_path
from recovery.help.view_kit import limit_search
from recovery.web.context import service_context
from recovery.web.forms import parse
from recovery.web.openapi import api_doc

bp = Blueprint("help_api", __name__, url_prefix="/api/v1/help")


@bp.get("/search")
@api_doc("Search the help centre's published articles in one language (en, zh), best first", query=SearchQuery,
         responses={200: SearchOut}, auth=False, tags=("help",))
@limit_search
def search():
    query = parse(SearchQuery(), request.args.to_dict())
    hits = service.search_and_count(service_context(), query["q"], query["lang"])
    return SearchOut().dump({"items": hits})


@bp.get("/articles")
@api_doc("The published articles in one language (an article without it is listed in the other language)",
         query=ArticlesQuery, responses={200: ArticlesOut}, auth=False, tags=("help",))
def articles():
    lang = parse(ArticlesQuery(), request.args.to_dict())["lang"]
    items = [{**vars(item), "url": article_path(item.slug)}
             for item in service.list_articles(service_context().session, lang)]
    return ArticlesOut().dump({"items": items})
