"""The design system covers every page: each class a template uses is styled by recovery/web/static/css, and the
layout loads every sheet there. A class only a script reads (a JS hook) must be listed in JS_HOOKS, with why."""

from __future__ import annotations

import re
from pathlib import Path

from recovery.web.layout import STYLESHEETS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
CSS = ROOT / "recovery" / "web" / "static" / "css"
PYTHON_MARKUP = (ROOT / "recovery" / "web" / "form_kit.py", ROOT / "recovery" / "tickets" / "view_kit.py")

# Classes that are hooks for our own scripts, never styled, and why.
JS_HOOKS: dict[str, str] = {
    "passkey": "a passkey button (issue 21): recovery/web/static/passkeys.js finds the button pressed by it",
}
# Values a template writes from a variable (class="flash {{ category }}", class="{{ state }}"): the flash
# categories the views use (flash() without one is "message") and the tracker's step states
# (recovery/tickets/progress.py::steps). They must be styled like any other class.
DYNAMIC = {"message", "success", "error", "ok", "done", "current", "todo"}

_CLASS_ATTRIBUTE = re.compile(r'\sclass="([^"]*)"')
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_LITERAL = re.compile(r"""'([^']*)'|"([^"]*)\"""")
# A literal compared with (state == 'breached') is a value, not a class the expression writes.
_COMPARED = re.compile(r"""(?:==|!=)\s*(?:'[^']*'|"[^"]*")|(?:'[^']*'|"[^"]*")\s*(?:==|!=)""")
# submit(text, "kind"): the kit puts the kind in the button's class.
_SUBMIT_KIND = re.compile(r'submit\((?:_\("(?:[^"\\]|\\.)*"(?:,[^)]*)?\)|[^,()]+),\s*"([\w -]+)"')


def _classes_in(value: str) -> set[str]:
    found = set()
    for expression in _JINJA.findall(value):
        if expression.startswith("{%"):  # a tag's literals are conditions; what it writes lies between tags
            continue
        for single, double in _LITERAL.findall(_COMPARED.sub(" ", expression)):
            found.update((single or double).split())
    found.update(_JINJA.sub(" ", value).split())
    return {name for name in found if re.fullmatch(r"[a-zA-Z][\w-]*", name)}


def used_classes() -> dict[str, str]:
    """class name -> the first template using it (e-mails excluded: they carry their own inline styles)."""
    used: dict[str, str] = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.is_relative_to(TEMPLATES / "email"):
            continue
        text = path.read_text(encoding="utf-8")
        kinds = {name for kind in _SUBMIT_KIND.findall(text) for name in kind.split()}
        names = set().union(*(_classes_in(v) for v in _CLASS_ATTRIBUTE.findall(text)), kinds)
        for name in names:
            used.setdefault(name, str(path.relative_to(TEMPLATES)))
    # Markup written by Python (f-strings: their {expressions} taken out first; %s placeholders are no class).
    for path in PYTHON_MARKUP:
        source = re.sub(r"\{[^{}]*\}", "", path.read_text(encoding="utf-8"))
        for value in _CLASS_ATTRIBUTE.findall(source):
            for name in value.split():
                if re.fullmatch(r"[a-zA-Z][\w-]*", name):
                    used.setdefault(name, str(path.relative_to(ROOT)))
    return used


def styled_classes() -> set[str]:
    text = "".join(path.read_text(encoding="utf-8") for path in CSS.glob("*.css"))
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"\{[^{}]*\}", "{}", text)  # declarations (numbers such as .5rem) out; selectors stay
    return set(re.findall(r"\.(-?[_a-zA-Z][\w-]*)", text))


def test_every_class_a_template_uses_is_styled():
    styled = styled_classes()
    unstyled = {name: where for name, where in used_classes().items() if name not in styled and name not in JS_HOOKS}
    assert unstyled == {}, f"style these in recovery/web/static/css (or list a script's hook in JS_HOOKS): {unstyled}"


def test_classes_written_from_variables_are_styled_too():
    assert DYNAMIC - styled_classes() == set()


def test_the_checker_sees_classes_inside_template_expressions():
    assert _classes_in("badge{% if s == 'failed' %} bad{% endif %} {{ 'from-you' if a == 'me' else \"from-team\" }}"
                       ) == {"badge", "bad", "from-you", "from-team"}
    assert _SUBMIT_KIND.findall('{{ submit(_("No, it was not me"), "danger") }} {{ submit(b, "link secondary") }}'
                                ) == ["danger", "link secondary"]


def test_the_layout_loads_every_stylesheet():
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    assert "{{ stylesheets() }}" in base  # recovery/web/layout.py writes the links
    assert set(STYLESHEETS) == {path.stem for path in CSS.glob("*.css")}
