"""Security headers on every response: CSP without inline script, no framing, no sniffing, HSTS behind https."""

from __future__ import annotations

from flask import Flask, Response, g, request

from recovery.web.context import runtime

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def mark_token_page() -> None:
    """Views showing a secret in the URL call this: no referrer leaks it and nothing caches the page."""
    g.token_page = True


def _apply(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers["Referrer-Policy"] = "no-referrer" if g.get("token_page") else "same-origin"
    if not request.path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
    if runtime().settings.uses_https:
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    return response


def init_headers(app: Flask) -> None:
    app.after_request(_apply)
