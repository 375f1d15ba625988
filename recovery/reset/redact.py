"""Keeps reset tokens out of request log lines (Werkzeug's and gunicorn's access log both print the path).

The link's token is a path segment (`/reset/<token>`), never a query string; that page redirects at once to
`/reset` and keeps the token in an HttpOnly cookie, so only that first request line carries it. This filter,
installed on the request loggers when the blueprint registers, rewrites it to `/reset/[redacted]`.
"""

from __future__ import annotations

import logging
import re

_TOKEN_IN_PATH = re.compile(r"(/reset/)(?!\[redacted\])[^\s?#\"'/]+")
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access")


def redact(text: str) -> str:
    return _TOKEN_IN_PATH.sub(r"\1[redacted]", text)


class RedactResetTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def install() -> None:
    """Idempotent: one filter per request logger, whatever number of apps a process builds."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactResetTokens) for f in logger.filters):
            logger.addFilter(RedactResetTokens())
