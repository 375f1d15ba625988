"""The API's error answers: one JSON shape, `{"error": {"code": ..., "message": ...}}` (recovery/web/errors.py)."""

from __future__ import annotations


def error_code(response) -> str:
    """The error code of a JSON error answer."""
    return response.get_json()["error"]["code"]
