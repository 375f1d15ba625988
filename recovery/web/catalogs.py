"""Catalog upkeep: extract every translatable string from code and templates and find untranslated ones.

Used by the test that keeps both languages complete and by `flask --app wsgi recovery i18n-missing`.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from recovery.settings import PROJECT_ROOT

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None,
            "request_gettext": None, "request_ngettext": (1, 2)}  # recovery/web/i18n.py's, the request's catalog
METHOD_MAP = [
    ("recovery/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"},
           "templates/**.txt": {"extensions": "jinja2.ext.i18n"}}


def extract_messages(root: Path = PROJECT_ROOT) -> dict[str, list[str]]:
    """msgid -> where it is used."""
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(root), METHOD_MAP, OPTIONS, keywords=KEYWORDS, strip_comment_tags=True):
        msgids = message if isinstance(message, tuple) else (message,)
        for msgid in msgids:
            if msgid:
                found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def translations(locale: str, root: Path = PROJECT_ROOT) -> dict[str, str]:
    """msgid -> translation, merged over every capability's catalog for `locale`."""
    merged: dict[str, str] = {}
    for po_path in sorted((root / "recovery").rglob(f"translations/{locale}/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        for message in catalog:
            if message.id and message.string:
                ids = (message.id,) if isinstance(message.id, str) else message.id  # a plural: both forms
                for key in ids:
                    merged[key] = message.string if isinstance(message.string, str) else message.string[0]
    return merged


def missing_translations(locale: str = "zh_Hans") -> dict[str, list[str]]:
    done = translations(locale)
    return {msgid: where for msgid, where in extract_messages().items() if msgid not in done}
