"""The request's locale by name, for code and templates that ask for it many times a page."""

from __future__ import annotations

from flask.globals import _cv_app
from flask_babel import get_locale


def locale_name() -> str:
    """The request's (or force_locale's) locale as a name, `str(get_locale() or "en")`: read from Flask-Babel's
    state once it has chosen, without its lookup (a page asks about ten times)."""
    app_context = _cv_app.get(None)
    state = app_context.g.__dict__.get("_flask_babel") if app_context is not None else None
    locale = getattr(state, "babel_locale", None)
    return str((locale if locale is not None else get_locale()) or "en")
