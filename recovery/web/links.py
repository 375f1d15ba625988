"""Absolute links for emails, always from RECOVERY_BASE_URL and never from the request's Host header."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import current_app


def build_link(endpoint: str, **values: object) -> str:
    """Like url_for(_external=True), but the scheme and host come from settings, so a poisoned Host is ignored."""
    base = current_app.extensions["recovery"].settings.base_url.rstrip("/")
    prefix = urlsplit(base).path
    adapter = current_app.url_map.bind("localhost", script_name=prefix or "/")
    path = adapter.build(endpoint, {k: v for k, v in values.items() if v is not None}, force_external=False)
    path, _, query = path.partition("?")
    return urlsplit(base)._replace(path=path, query=query, fragment="").geturl()


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: never a scheme, host, protocol-relative `//`, backslash or control-character
    trick (browsers and Werkzeug drop a tab or newline, so `/\t/evil.example` would become `//evil.example`)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


def with_query(url: str, **params: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
