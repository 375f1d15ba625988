"""Keeps secrets out of request log lines: Werkzeug's and gunicorn's access logs print the request path.

Emailed links carry their secrets either in the query string (verification codes) or as a path segment
(reset, appeal status and cancel tokens). The filter drops query strings and replaces any long
token-shaped path segment with `[redacted]`, so a new kind of link is covered without registering it.
"""

from __future__ import annotations

import logging
import re

REQUEST_LOGGERS = ("werkzeug", "gunicorn.access")
# A path (after a space or quote) followed by its query string.
_QUERY = re.compile(r'((?:^|[\s"])/[^\s?"]*)\?[^\s"]*')
# Tokens are at least 24 URL-safe characters (itsdangerous tokens also contain dots); words are shorter.
_TOKEN_SEGMENT = re.compile(r'/(?!\[redacted\])[A-Za-z0-9_\-.~]{24,}(?=[/\s"?]|$)')


def redact(text: str) -> str:
    return _TOKEN_SEGMENT.sub("/[redacted]", _QUERY.sub(r"\1", text))


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def install_log_redaction() -> None:
    """Idempotent: one filter per request logger, whatever number of apps a process builds."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
