"""Email composition: templates/email/<name>/{subject.txt, body.txt} in the recipient's language, two parts.

An email's words are written once, in its body.txt, with the kit `k`: rendered inside email/layout.html with
email/_kit.html (tables, inline styles, every value escaped there) and inside email/layout.txt with
email/_kit.txt, so the plain-text part says what the HTML part says, link for link. Every time an email shows
goes through `email_time`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from functools import partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time
from flask import current_app, g, render_template
from flask_babel import force_locale, get_locale

from recovery.context import RenderedEmail
from recovery.web.messages import in_words

_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n){2,}")


def email_time(value: datetime | None, user: object | None = None) -> str:
    """Every date and time an email shows, in one format in the reader's language and time zone:
    "Mar 2, 2026 09:05 UTC", "2026年3月2日 17:05 中国标准时间". The zone is the account's own (`user.time_zone`,
    an IANA name, once accounts store one), else UTC: the one place that decides how an email tells time."""
    if value is None:
        return ""
    zone = _zone_of(user)
    moment = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)
    locale = str(get_locale() or "en")
    name = "UTC" if zone is UTC else format_time(moment, "zzzz", tzinfo=zone, locale=locale)
    return f"{format_date(moment, 'medium', locale=locale)} {format_time(moment, 'HH:mm', locale=locale)} {name}"


def _zone_of(user: object | None) -> tzinfo:
    name = getattr(user, "time_zone", None)
    if not isinstance(name, str) or not name or name == "UTC" or len(name) > 64:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def compose_email(template: str, locale: str, **context: object) -> RenderedEmail:
    # flask-babel ignores force_locale while g is empty (a fresh worker context), so make it non-empty.
    g.setdefault("email_locale", locale)
    env = current_app.jinja_env
    content = f"email/{template}/body.txt"
    with force_locale(locale):
        context = {key: in_words(value) for key, value in context.items()}  # a Message in the recipient's words
        # `recipient`: the account the email is for (notify_security passes it), whose time zone dates are in.
        context.setdefault("email_time", partial(email_time, user=context.get("recipient")))
        subject = " ".join(render_template(f"email/{template}/subject.txt", **context).split())
        text = render_template("email/layout.txt", content_template=content, subject=subject,
                               k=env.get_template("email/_kit.txt").module, **context)
        html = render_template("email/layout.html", content_template=content, subject=subject,
                               k=env.get_template("email/_kit.html").module, **context)
    return RenderedEmail(subject=subject, text=_BLANK_LINES.sub("\n\n", text), html=html)
