"""The layout's header, footer and stylesheet links, rendered once per process for what decides them.

base.html called about forty functions per page for these (translated strings, links to fixed places, the
language links, the staff links): about a fifth of the requester's status page (docs/performance.md, "Cheap
pages, fourth session"). They depend on little, so each is rendered from its template the first time and kept:
- `site_header()` (_site_header.html): the script root, the language, whether someone is signed in, the staff
  member's role (their staff links), and which of the navigation's places the page is (aria-current). The
  language links' `next` (the page's path) and the sign-out form's CSRF token differ per request: the kept
  HTML holds a placeholder for each, replaced per request with what `url_for` and `csrf_token()` give.
- `site_footer()` (_site_footer.html): the script root and the language.
- `stylesheets()`: the script root.
- `time_zone_report()` (_time_zone.html, on pages whose reader's zone is unknown: display.zone_to_report): the
  script root; the form's CSRF token is put in per request.
The placeholders are letters and digits, which escaping and URL quoting leave as they are, and random per
process; they are replaced in the kept fragment only, never in what a page shows of its own.
tests/web/test_layout.py compares each with a fresh render for every case.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import quote_plus

from flask import Flask, render_template
from flask.globals import _cv_app
from markupsafe import Markup, escape

from recovery.web.auth import current_user
from recovery.web.context import current_request
from recovery.web.csrf import csrf_token
from recovery.web.display import zone_to_report
from recovery.web.locales import locale_name
from recovery.web.templating import fixed_url_for

_KEY = "recovery_layout"
_LIMIT = 256  # distinct keys are a handful per language; a bound, not a tuning
_NEXT = "recoverynext" + secrets.token_hex(8)
_TOKEN = "recoverytoken" + secrets.token_hex(8)
# The places the navigation marks as current (_site_header.html's aria-current); every other page shares one.
NAVIGATION = frozenset({"tickets_intake.my_requests", "security.page", "home.index", "signin.password"})
STYLESHEETS = ("tokens", "base", "components")


def _kept(key: tuple, render: Callable[[], object]) -> str:
    kept = _cv_app.get().app.extensions[_KEY]  # the app itself, not through current_app's proxy
    html = kept.get(key)
    if html is None:
        if len(kept) >= _LIMIT:
            kept.clear()
        html = kept[key] = str(render())
    return html


def query_value(value: str) -> str:
    """`value` as werkzeug's URL building writes a query argument (werkzeug.urls._urlencode)."""
    return quote_plus(value, safe="!$'()*,/:;?@")


def site_header() -> Markup:
    user = current_user()
    request = current_request()
    endpoint = request.endpoint or ""
    place = endpoint if endpoint in NAVIGATION else ""
    staff = (user.role, user.is_staff) if user is not None else None
    key = ("header", request.script_root, locale_name(), user is not None, staff, place)
    html = _kept(key, lambda: render_template("_site_header.html", endpoint=place, next_path=_NEXT,
                                              token=_TOKEN if user is not None else None))
    if user is not None:
        html = html.replace(_TOKEN, str(escape(csrf_token())))
    # The path last: what a visitor put in it is never searched for a placeholder.
    html = html.replace(_NEXT, str(escape(query_value(request.path))))
    return Markup(html)  # noqa: S704  # our own template's output, with escaped values put in


def site_footer() -> Markup:
    key = ("footer", current_request().script_root, locale_name())
    return Markup(_kept(key, lambda: render_template("_site_footer.html")))  # noqa: S704  # our template's


def stylesheets() -> Markup:
    key = ("stylesheets", current_request().script_root)
    return Markup(_kept(key, lambda: "\n  ".join(  # noqa: S704  # links built by url_for
        f'<link rel="stylesheet" href="{escape(fixed_url_for("static", filename=f"css/{sheet}.css"))}">'
        for sheet in STYLESHEETS)))


def time_zone_report() -> Markup:
    if zone_to_report() is None:
        return Markup("")
    html = _kept(("time zone", current_request().script_root), lambda: render_template("_time_zone.html", token=_TOKEN))
    return Markup(html.replace(_TOKEN, str(escape(csrf_token()))))  # noqa: S704  # our template's, token escaped


def init_layout(app: Flask) -> None:
    app.extensions[_KEY] = {}
    app.jinja_env.globals.update(site_header=site_header, site_footer=site_footer, stylesheets=stylesheets,
                                 time_zone_report=time_zone_report)
