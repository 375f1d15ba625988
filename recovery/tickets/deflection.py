"""Deflection beside the forms that reach a person (appeal, account recovery, contact): the help centre's articles
for what the person wrote, on a submit-preview step without JavaScript ("Before you send: these may help").
"This solved it" posts to the assistant's /help/deflected, which counts it; no ticket is opened."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import get_locale

from recovery.help.search import search_articles
from recovery.web.context import service_context

SHOWN = 3


def lang() -> str:
    return "zh" if str(get_locale() or "en").startswith("zh") else "en"


def suggestions(text: str) -> list:
    text = (text or "").strip()[:1000]
    return search_articles(service_context().session, text, lang(), limit=SHOWN) if text else []


def preview(template: str, form_name: str, text: str, **context):
    """The preview page when the person asked for it (the form's "Continue": step=preview) and articles match;
    None sends the form on."""
    if request.form.get("step") != "preview":
        return None
    found = suggestions(text)
    if not found:
        return None
    submitted = {k: v for k, v in request.form.items() if k not in ("csrf_token", "step")}
    return render_template(template, form=submitted, errors={}, suggestions=found, deflect_form=form_name,
                           deflect_lang=lang(), previewed=True, **context)
