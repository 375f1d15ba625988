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
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any

from flask import Flask, url_for
from flask.globals import _cv_request
from flask.templating import Environment
from jinja2.runtime import Context, Macro
from jinja2.utils import _PassArg

_URLS = "recovery_fixed_urls"


class _Globals(ChainMap):
    """A template's globals over the environment's (what Jinja makes). `keys()` and item lookups are the
    environment's own dict while the template adds none, so Jinja's `context keys - template keys` at every
    import is a set operation in C rather than a ChainMap lookup per name, and the copy of the globals into each
    render's context reads the dict directly; the view is live, so a global added later counts."""

    def keys(self) -> KeysView:
        if len(self.maps) == 2 and not self.maps[0]:
            return self.maps[1].keys()
        return super().keys()

    def __getitem__(self, key: str) -> Any:
        # Jinja copies every global into each render's context (`dict(globals, **vars)`): forty lookups a page,
        # each of which ChainMap would first try, and fail with a KeyError, in the template's empty map.
        maps = self.maps
        if len(maps) == 2 and not maps[0]:
            return maps[1][key]
        return super().__getitem__(key)


# Callables whose type's own __call__ carries no pass_context marker: for them Jinja's first question (does the
# object's __call__ want the context?) is always no, and the marker, if any, is the object's own attribute.
_PLAIN_CALLABLES = frozenset((FunctionType, BuiltinFunctionType, MethodType, Macro))


class RecoveryContext(Context):
    """Jinja's Context with a shorter way to call a function, a method or a macro (every `_()`, `url_for`,
    macro and helper a template calls: about a hundred a page). Jinja's `call` asks `hasattr` four times per call
    to learn whether to pass the context; for these types one `getattr` tells the same. Anything else (a callable
    object) goes through Jinja's own `call`. tests/web/test_templating.py renders through both."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805  # Jinja's own signature
        if type(__obj) not in _PLAIN_CALLABLES:
            return super().call(__obj, *args, **kwargs)
        pass_arg = getattr(__obj, "jinja_pass_arg", None)
        if pass_arg is _PassArg.context:
            loop_vars, block_vars = kwargs.pop("_loop_vars", None), kwargs.pop("_block_vars", None)
            if loop_vars:
                __self = __self.derived(loop_vars)  # type: ignore[assignment]  # as Jinja's call
            if block_vars:
                __self = __self.derived(block_vars)  # type: ignore[assignment]
            args = (__self, *args)
        elif pass_arg is not None:
            return super().call(__obj, *args, **kwargs)
        elif kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a StopIteration"
                                                " exception")


class RecoveryEnvironment(Environment):
    context_class = RecoveryContext

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
