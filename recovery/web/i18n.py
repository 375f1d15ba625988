"""Languages: English and Simplified Chinese through Flask-Babel; chosen by cookie, account, then Accept-Language.

Each capability keeps its own catalog in recovery/<capability>/translations/ (web-wide strings in
recovery/translations/); Flask-Babel merges them. Catalogs are compiled from the committed .po files at
start-up, so no generated .mo file is ever committed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, g, redirect, request
from flask_babel import Babel, get_locale

from recovery.web.links import safe_next

PACKAGE_DIR = Path(__file__).resolve().parent.parent
LOCALES = {"en": "English", "zh_Hans": "简体中文"}
COOKIE = "recovery_lang"

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
    chosen = match_locale(request.cookies.get(COOKIE))
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
    return str(get_locale() or "en").replace("_", "-")


@bp.get("/language/<code>")
def choose_language(code: str):
    response = redirect(safe_next(request.args.get("next"), "/"))  # never an open redirect
    if code in LOCALES:
        response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def init_i18n(app: Flask) -> None:
    compile_catalogs()
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(p) for p in translation_dirs())
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(html_lang=html_lang, LOCALES=LOCALES, current_locale=lambda: str(get_locale()))
    app.register_blueprint(bp)
