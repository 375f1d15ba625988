"""Email composition from templates/email/<name>/{subject.txt, body.txt, body.html} in the recipient's language."""

from __future__ import annotations

from flask import g, render_template
from flask_babel import force_locale

from recovery.context import RenderedEmail
from recovery.web.messages import in_words


def compose_email(template: str, locale: str, **context: object) -> RenderedEmail:
    # flask-babel ignores force_locale while g is empty (a fresh worker context), so make it non-empty.
    g.setdefault("email_locale", locale)
    with force_locale(locale):
        context = {key: in_words(value) for key, value in context.items()}  # a Message in the recipient's words
        subject = render_template(f"email/{template}/subject.txt", **context).strip()
        text = render_template(f"email/{template}/body.txt", **context)
        html = render_template(f"email/{template}/body.html", subject=subject, **context)
    return RenderedEmail(subject=" ".join(subject.split()), text=text, html=html)
