"""CSRF tokens as a browser reads them: from the hidden field of a page's form."""

from __future__ import annotations

import re


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def form_token(client, path: str = "/", **kwargs) -> str:
    """GET `path` with `client` and return the CSRF token of its form."""
    return csrf_from(client.get(path, **kwargs).get_data(as_text=True))
