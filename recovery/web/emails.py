"""Email composition: templates/email/<name>/{subject.txt, body.txt} in the recipient's language, two parts.

An email's words are written once, in its body.txt, with the kit `k`: rendered inside email/layout.html with
email/_kit.html (tables, inline styles, every value escaped there) and inside email/layout.txt with
email/_kit.txt, so the plain-text part says what the HTML part says, link for link. Every time an email shows
goes through `email_time`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import partial

from babel.dates import format_date, format_time
from flask import current_app, g, render_template
from flask_babel import force_locale, get_locale

from recovery.context import RenderedEmail

_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n){2,}")


def email_time(value: datetime | None, user: object | None = None) -> str:
    """Every date and time an email shows, in one format in the reader's language: "Mar 2, 2026 09:05 UTC",
    "2026年3月2日 09:05 UTC". UTC today; `user` is the seam for the account's own time zone (one place to
    change when accounts store one)."""
    if value is None:
        return ""
    moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    locale = str(get_locale() or "en")
    return f"{format_date(moment, 'medium', locale=locale)} {format_time(moment, 'HH:mm', locale=locale)} UTC"


def compose_email(template: str, locale: str, **context: object) -> RenderedEmail:
    # flask-babel ignores force_locale while g is empty (a fresh worker context), so make it non-empty.
    g.setdefault("email_locale", locale)
    env = current_app.jinja_env
    content = f"email/{template}/body.txt"
    with force_locale(locale):
        context.setdefault("email_time", partial(email_time, user=context.get("recipient")))
        subject = " ".join(render_template(f"email/{template}/subject.txt", **context).split())
        text = render_template("email/layout.txt", content_template=content, subject=subject,
                               k=env.get_template("email/_kit.txt").module, **context)
        html = render_template("email/layout.html", content_template=content, subject=subject,
                               k=env.get_template("email/_kit.html").module, **context)
    return RenderedEmail(subject=subject, text=_BLANK_LINES.sub("\n\n", text), html=html)
