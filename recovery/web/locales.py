"""The request's locale by name, for code and templates that ask for it many times a page."""

from __future__ import annotations

from flask.globals import _cv_app
from flask_babel import get_locale


def locale_name() -> str:
    """The request's (or force_locale's) locale as a name, `str(get_locale() or "en")`: read from Flask-Babel's
    state once it has chosen, without its lookup (a page asks about ten times)."""
    app_context = _cv_app.get(None)
    stored = app_context.g.__dict__ if app_context is not None else {}
    locale = getattr(stored.get("_flask_babel"), "babel_locale", None)
    if locale is None:
        return str(get_locale() or "en")
    named = stored.get("_recovery_locale_name")  # Babel builds the name anew each time: kept per locale object
    if named is None or named[0] is not locale:
        named = stored["_recovery_locale_name"] = (locale, str(locale))
    return named[1]
