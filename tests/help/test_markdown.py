"""Article Markdown renders to an allow-listed subset of HTML: no script, style, event handler or script URL
gets through, whatever the article says; headings start at h2 (the page's own title is the h1)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from recovery.help.markdown import TAGS, render
from recovery.help.typos import MAX_WORD, Vocabulary


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    '<a href="/x" onclick="alert(1)">x</a>',
    "<style>body{display:none}</style>",
    "<iframe src=https://evil.example></iframe>",
])
def test_nothing_executable_survives(source):
    elements = _elements(render(source))
    assert {tag for tag, _ in elements} <= TAGS
    for _tag, attributes in elements:
        assert set(attributes) <= {"href", "title", "rel", "align", "start"}
        assert not (attributes.get("href") or "/").lower().startswith(("javascript", "data", "vbscript"))


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict]]:
    collector = _Collector()
    collector.feed(html)
    return collector.elements


def test_links_headings_lists_and_tables_render():
    html = render("# Title\n\n## Part\n\n- [reset](/forgot)\n- [out](https://example.com)\n\n|a|b|\n|-|-|\n|1|2|")
    assert "<h1" not in html and html.count("<h2>") == 2
    assert '<a href="/forgot" rel="noopener noreferrer nofollow">reset</a>' in html
    assert "<table>" in html and "<td>1</td>" in html


def test_typo_correction_has_bounded_work_for_any_word():
    vocabulary = Vocabulary.build({"password": 3, "recovery": 2})
    assert vocabulary.correct("x" * (MAX_WORD + 1)) is None  # too long to guess: no neighbourhood built
    assert vocabulary.correct("pas") is None  # too short to guess from
    assert vocabulary.correct("passwrod") == "password"


def test_a_body_is_parsed_once_per_process_and_cut_at_the_editors_limit():
    from recovery.help.markdown import MAX_SOURCE, render
    from recovery.help.schemas import DraftBody

    text = "## Once\n\nparsed " + "x" * 10
    first = render(text)
    hits = render.cache_info().hits
    assert render(text) is first and render.cache_info().hits == hits + 1
    assert MAX_SOURCE == DraftBody().fields["body"].validate.max
