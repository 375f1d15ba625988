"""What every page's template costs per request beyond its own work, cut to what does not repeat per process.

Measured with bench/page_profile.py (docs/performance.md, "Cheap pages, profiled"): Jinja's import of a macro
file (`{% from "_forms.html" import ... %}`, five per page) compared every global's name with the template's
globals one by one through a ChainMap; and the layout's links to fixed places (the stylesheets, the home page,
sign-in, ...) were built by the URL map on every request. Both now cost a dictionary lookup. Nothing a page
shows changes: the globals are the same names, and a link is the one Flask built the first time.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import KeysView, MutableMapping
from typing import Any

from flask import Flask, url_for
from flask.globals import _cv_request
from flask.templating import Environment

_URLS = "recovery_fixed_urls"


class _Globals(ChainMap):
    """A template's globals over the environment's (what Jinja makes). `keys()` is the environment's own dict
    view while the template adds none, so Jinja's `context keys - template keys` at every import is a set
    operation in C rather than a ChainMap lookup per name; the view is live, so a global added later counts."""

    def keys(self) -> KeysView:
        if len(self.maps) == 2 and not self.maps[0]:
            return self.maps[1].keys()
        return super().keys()


class RecoveryEnvironment(Environment):
    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return _Globals({} if d is None else d, self.globals)


def fixed_url_for(endpoint: str, **values: Any) -> str:
    """Flask's url_for, remembered per app for a link to a fixed place: an absolute endpoint with no values, or
    a static file. In a request such a link is a path that depends only on the app's URL map and the request's
    script root; everything else (values, anchors, relative endpoints, outside a request) is built each time."""
    request_context = _cv_request.get(None)
    if request_context is None or endpoint[:1] == "." \
            or (values and (endpoint != "static" or values.keys() != {"filename"})):
        return url_for(endpoint, **values)
    key = (request_context.request.script_root, endpoint, values.get("filename"))
    urls = request_context.app.extensions[_URLS]
    url = urls.get(key)
    if url is None:
        url = urls[key] = url_for(endpoint, **values)
    return url


def init_templating(app: Flask) -> None:
    app.extensions[_URLS] = {}
    app.jinja_env.globals["url_for"] = fixed_url_for
