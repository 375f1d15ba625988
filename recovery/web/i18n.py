"""Languages: English and Simplified Chinese through Flask-Babel; chosen by cookie, account, then Accept-Language.

Each capability keeps its own catalog in recovery/<capability>/translations/ (web-wide strings in
recovery/translations/); Flask-Babel merges them. Catalogs are compiled from the committed .po files at
start-up, so no generated .mo file is ever committed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, g, redirect, request
from flask.globals import _cv_app
from flask_babel import Babel, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from recovery.web.cookies import LANGUAGE, read_cookie, set_cookie
from recovery.web.links import safe_next
from recovery.web.locales import locale_name

PACKAGE_DIR = Path(__file__).resolve().parent.parent
LOCALES = {"en": "English", "zh_Hans": "简体中文"}

bp = Blueprint("i18n", __name__)


def translation_dirs() -> list[Path]:
    return sorted(p for p in PACKAGE_DIR.rglob("translations") if p.is_dir())


def compile_catalogs() -> None:
    """Compile every .po whose .mo is missing or older; atomic, so several workers may start at once."""
    for po_path in PACKAGE_DIR.rglob("translations/*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        fd, tmp = tempfile.mkstemp(dir=po_path.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog)
        os.replace(tmp, mo_path)


def match_locale(header_value: str | None) -> str | None:
    """Map a language tag to a supported locale; every Chinese tag gets the Simplified catalog we have."""
    if not header_value:
        return None
    tag = header_value.replace("-", "_").strip()
    if tag in LOCALES:
        return tag
    if tag.lower().startswith("zh"):
        return "zh_Hans"
    if tag.lower().startswith("en"):
        return "en"
    return None


def select_locale() -> str:
    chosen = match_locale(read_cookie(LANGUAGE))
    if chosen:
        return chosen
    user = g.get("current_user")
    if user is not None and user.locale in LOCALES:
        return user.locale
    for tag, _quality in request.accept_languages:
        matched = match_locale(tag)
        if matched:
            return matched
    return "en"


def html_lang() -> str:
    return locale_name().replace("_", "-")


@bp.get("/language/<code>")
def choose_language(code: str):
    response = redirect(safe_next(request.args.get("next"), "/"))  # never an open redirect
    if code in LOCALES:
        set_cookie(response, LANGUAGE, code)
    return response


def request_translations():
    """get_translations(), remembered in `g` for as long as the selected locale stays the same object.

    Flask-Babel keeps the selected locale in `g._flask_babel.babel_locale`, and force_locale (emails in the
    recipient's language) swaps that object, so a swap is a cache miss. Without that state (another
    Flask-Babel version) every call falls back to Flask-Babel's own lookup: slower, never wrong. `g` is read
    from the app context itself, not through its proxy (a page asks about 30 times).
    """
    app_context = _cv_app.get(None)
    stored = app_context.g.__dict__ if app_context is not None else {}
    locale = getattr(stored.get("_flask_babel"), "babel_locale", None)
    if locale is None:
        return get_translations()
    cached = stored.get("_recovery_translations")
    if cached is None or cached[0] is not locale:
        cached = stored["_recovery_translations"] = (locale, get_translations())
    return cached[1]


def request_gettext(string: str) -> str:
    """flask_babel.gettext(string) without variables, from the request's catalog (request_translations)."""
    return request_translations().ugettext(string)


def request_ngettext(singular: str, plural: str, num: int) -> str:
    """flask_babel.ngettext(singular, plural, num) with `num` its only variable, from the request's catalog."""
    return request_translations().ungettext(singular, plural, num) % {"num": num}


# The template callables of jinja2.ext.i18n's "newstyle" gettext (the result marked safe where the template
# autoescapes, then always formatted with its escaped variables), calling the request's catalog directly:
# Jinja's own go through two more context calls per string.
@pass_context
def _gettext(context: Context, string: str, /, **variables: Any) -> str:
    translated = request_translations().ugettext(string)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704  # our catalog
    # Without a '%' formatting changes nothing ("%%" needs it): most strings skip Markup's escaping formatter.
    return translated % variables if variables or "%" in translated else translated


@pass_context
def _ngettext(context: Context, singular: str, plural: str, num: int, /, **variables: Any) -> str:
    variables.setdefault("num", num)
    translated = request_translations().ungettext(singular, plural, num)
    return (Markup(translated) if context.eval_ctx.autoescape else translated) % variables  # noqa: S704  # our catalog


def init_i18n(app: Flask) -> None:
    compile_catalogs()
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(p) for p in translation_dirs())
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    Babel(app, locale_selector=select_locale)
    # Flask-Babel's template callables look the locale and the catalog up again for every string (most of a
    # translated page's CPU: about 300 strings on the console queue); these take the request's catalog once.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext)
    app.jinja_env.globals.update(html_lang=html_lang, LOCALES=LOCALES, current_locale=locale_name)
    app.register_blueprint(bp)
