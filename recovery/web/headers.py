"""Security headers on every response: CSP without inline script, no framing, no sniffing, HSTS behind https."""

from __future__ import annotations

from flask import Flask, Response, g, request
from werkzeug.datastructures import Headers

from recovery.web.context import runtime

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def mark_token_page() -> None:
    """Views showing a secret in the URL call this: no referrer leaks it and nothing caches the page."""
    g.token_page = True


_DEFAULTS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
             ("Cross-Origin-Opener-Policy", "same-origin"))
_HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")


def _put(headers: Headers, present: set[str], name: str, value: str) -> None:
    """headers[name] = value: added when absent (Headers' own set scans and raises a KeyError to learn it)."""
    if name.lower() in present:
        headers[name] = value
    else:
        headers.add(name, value)


def _apply(response: Response) -> Response:
    headers = response.headers
    present = {name.lower() for name, _value in headers}  # what a view set itself is kept (setdefault)
    defaults = [*_DEFAULTS, _HSTS] if runtime().settings.uses_https else _DEFAULTS
    for name, value in defaults:
        if name.lower() not in present:
            headers.add(name, value)
    _put(headers, present, "Referrer-Policy", "no-referrer" if g.get("token_page") else "same-origin")
    if not request.path.startswith("/static/"):
        _put(headers, present, "Cache-Control", "no-store")
    return response


def init_headers(app: Flask) -> None:
    app.after_request(_apply)
