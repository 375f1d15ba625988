"""Article Markdown to safe HTML: markdown-it-py (CommonMark, tables, raw HTML off: a `<script>` in an article
is shown as text) and then nh3 (ammonia) keeps only the tags and attributes below, so even a mistake in the
parser's output cannot put script, style or an event handler on the page. The page's own title is its h1, so an
article's headings start at h2."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

TAGS = {"h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote", "a", "hr", "br",
        "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"https", "http", "mailto"}
MAX_SOURCE = 50_000  # the editor's own limit (schemas.DraftBody.body); a longer text is cut before parsing

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def _demote_headings(tokens) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close") and token.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            token.tag = f"h{min(max(int(token.tag[1]) + (1 if token.tag == 'h1' else 0), 2), 4)}"


@lru_cache(maxsize=256)
def render(source: str) -> str:
    """Sanitised HTML of an article body (safe to mark safe in a template). Kept per text: an article page renders
    its body once per process, not once per view (a pathological body of the editor's largest size costs about a
    second to parse, which an anonymous reader must not be able to make the server pay on every request)."""
    tokens = _PARSER.parse(source[:MAX_SOURCE])
    _demote_headings(tokens)
    html = _PARSER.renderer.render(tokens, _PARSER.options, {})
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow", strip_comments=True)
