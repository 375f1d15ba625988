"""The form kit's pieces (templates/_forms.html) as functions: the hidden CSRF input, hidden values, buttons,
labelled fields and text areas with their errors, checkboxes and radio buttons, and the error summary.

They were Jinja macros; a page calls ten to forty of them, and a macro call (argument binding, a new frame,
its output joined and escaped) cost about ten times a function's (docs/performance.md, "Cheap pages, fourth
session"). The markup is the same: every input labelled, its errors beside it (`aria-describedby`) and linked
from the summary, what was typed kept after an error (never a password, a code or a file). Templates import
them from _forms.html as before (`{% from "_forms.html" import field, submit %}`); keyword arguments a
template adds become attributes (`maxlength=254`, `required=true`, `inputmode="numeric"`; `_` becomes `-`; none
and false are left out, true is written bare). Every value is escaped (markupsafe), as `{{ }}` escapes it.
tests/web/test_form_kit.py renders each through Jinja.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from markupsafe import Markup, escape

from recovery.web.csrf import csrf_token

_UNKEPT = ("password", "file")  # never written back into the page after an error


def _text(value: Any) -> str:
    return str(escape(value))


def attributes(values: Mapping[str, Any]) -> Markup:
    written = []
    for key, value in values.items():
        if value is None or value is False:
            continue
        name = _text(key.replace("_", "-"))
        written.append(f" {name}" if value is True else f' {name}="{_text(value)}"')
    return Markup("".join(written))  # noqa: S704  # every name and value escaped


def _errors_of(errors: Any, name: str) -> Any:
    return errors.get(name) if errors else None


def described(errors: Any, name: str, id: str | None = None) -> Markup:  # noqa: A002  # the attribute's name
    if not _errors_of(errors, name):
        return Markup("")
    return Markup(f' aria-invalid="true" aria-describedby="{_text(id or name)}-errors"')  # noqa: S704  # escaped


def field_errors(errors: Any, name: str, id: str | None = None) -> Markup:  # noqa: A002
    messages = _errors_of(errors, name)
    if not messages:
        return Markup("")
    items = "".join(f"<li>{_text(message)}</li>" for message in messages)
    return Markup(f'<ul class="errors" id="{_text(id or name)}-errors">{items}</ul>')  # noqa: S704  # escaped


def error_summary(error: Any, errors: Any = None) -> Markup:
    """The alert is the form's message alone (what a screen reader announces); the links to the fields follow."""
    if not error:
        return Markup("")
    alert = f'<p class="flash error" role="alert">{_text(error)}</p>'
    links = "".join(f'<li><a href="#{_text(name)}">{" ".join(_text(m) for m in messages)}</a></li>'
                    for name, messages in (errors.items() if errors else ())
                    if not name.startswith("_") and not isinstance(messages, Mapping))
    return Markup(alert + (f'<ul class="errors summary">{links}</ul>' if links else ""))  # noqa: S704  # escaped


def csrf(token: str | None = None) -> Markup:
    return Markup(f'<input type="hidden" name="csrf_token" value="{_text(token or csrf_token())}">')  # noqa: S704


def hidden(name: str, value: Any) -> Markup:
    shown = "" if value is None else _text(value)
    return Markup(f'<input type="hidden" name="{_text(name)}" value="{shown}">')  # noqa: S704  # escaped


def submit(text: Any, kind: str | None = None, **extra: Any) -> Markup:
    css = f' class="{_text(kind)}"' if kind else ""
    return Markup(f'<button type="submit"{css}{attributes(extra)}>{_text(text)}</button>')  # noqa: S704  # escaped


def label_text(text: Any, hint: Any) -> Markup:
    """A label's text, and its hint beneath it."""
    return Markup(_text(text) + (f'\n    <span class="hint">{_text(hint)}</span>' if hint else ""))  # noqa: S704


def _kept(form: Any, name: str, type: str) -> str:  # noqa: A002  # the input's type
    if type in _UNKEPT:
        return ""
    value = form.get(name) if form else None
    return ' value=""' if value is None else f' value="{_text(value)}"'


def field(form: Any, errors: Any, name: str, label: Any, type: str = "text",  # noqa: A002, PLR0913
          hint: Any = None, id: str | None = None, keep: bool = True, **extra: Any) -> Markup:  # noqa: A002
    kept = _kept(form, name, type) if keep else ""
    return Markup(  # noqa: S704  # every value escaped
        f'<label>{label_text(label, hint)}\n    <input type="{_text(type)}" name="{_text(name)}" '
        f'id="{_text(id or name)}"{kept}{attributes(extra)}{described(errors, name, id)}>\n  </label>\n  '
        f'{field_errors(errors, name, id)}')


def textarea(form: Any, errors: Any, name: str, label: Any, hint: Any = None, rows: int = 6,  # noqa: PLR0913
             id: str | None = None, **extra: Any) -> Markup:  # noqa: A002
    typed = (form.get(name) or "") if form else ""
    return Markup(  # noqa: S704  # every value escaped
        f'<label>{label_text(label, hint)}\n    <textarea name="{_text(name)}" id="{_text(id or name)}" '
        f'rows="{_text(rows)}"{attributes(extra)}{described(errors, name, id)}>{_text(typed)}</textarea>\n'
        f'  </label>\n  '
        f'{field_errors(errors, name, id)}')


def choice(name: str, value: Any, label: Any, checked: bool = False, type: str = "checkbox",  # noqa: A002
           **extra: Any) -> Markup:
    """A checkbox or radio button inside its label; `class="inline"` sets it beside its siblings."""
    css = extra.pop("class", None)
    return Markup(  # noqa: S704  # every value escaped
        f'<label class="choice{" " + _text(css) if css else ""}"><input type="{_text(type)}" name="{_text(name)}" '
        f'value="{_text(value)}"{" checked" if checked else ""}{attributes(extra)}> {_text(label)}</label>')


KIT = {"csrf": csrf, "hidden": hidden, "submit": submit, "error_summary": error_summary, "field": field,
       "textarea": textarea, "choice": choice, "field_errors": field_errors, "described": described,
       "label_text": label_text, "attributes": attributes}


def init_form_kit(app: Flask) -> None:
    app.jinja_env.globals["form_kit"] = KIT
