"""What the help centre's pages and API share: their rate limits, the page's language, the article's HTML."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import get_locale
from markupsafe import Markup

from recovery.help.actions import action_links
from recovery.help.markdown import render
from recovery.web.ratelimit import limit

limit_search = limit("help-search-ip")
limit_feedback = limit("help-feedback-ip")


def page_lang() -> str:
    """The help centre's language code for the page's locale: "zh" for Simplified Chinese, else "en"."""
    return "zh" if str(get_locale() or "en").startswith("zh") else "en"


def register(bp: Blueprint) -> None:
    """Template helpers of the help pages: the article's sanitised HTML and its action buttons."""

    @bp.app_template_filter("help_markdown")
    def help_markdown(source: str) -> Markup:
        return Markup(render(source))  # noqa: S704  # nh3 allow-lists every tag and attribute (markdown.py)

    bp.add_app_template_global(action_links, "help_action_links")
    bp.add_app_template_global(page_lang, "help_lang")
