"""Structured logs: one JSON object a line (`RECOVERY_LOG_FORMAT=json`) or a line of text for a terminal, each
carrying the request id, the client IP as resolved and the user id where known; secrets never reach either.

Standard library logging with a formatter of our own rather than python-json-logger or structlog: every logger
that matters here (the app's, gunicorn's, werkzeug's, SQLAlchemy's) already logs through `logging`, the access
log redaction is a `logging` filter, and what a line carries comes from a context variable and Flask's request,
which a 60-line formatter reads without a dependency or a second logging API for the code to learn.

The request id is taken from `X-Request-ID` when it is well formed (1 to 64 of `A-Za-z0-9._-`: a header that
could carry a line break or a secret-sized blob into every log line is replaced), else generated; it is echoed
in the answer, stored on each outbox row the request queues, and set again by the worker around that row.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType

from flask import Flask, Response, g, has_request_context

from recovery.web.context import current_request, request_g
from recovery.web.logredact import redact

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_MAX = 64
_REQUEST_ID = re.compile(rf"[A-Za-z0-9._\-]{{1,{REQUEST_ID_MAX}}}")
# Keys whose values never reach a line, whatever a caller passes in `extra` (as record_event scrubs details).
_SECRET_KEYS = frozenset({"password", "token", "code", "secret", "session_token", "mfa_token", "recovery_code",
                          "authorization", "cookie", "smtp_password"})
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
_NO_FIELDS: Mapping[str, object] = MappingProxyType({})
_fields: ContextVar[Mapping[str, object]] = ContextVar("recovery_log_fields", default=_NO_FIELDS)
access_log = logging.getLogger("recovery.access")


def accept_request_id(header: str | None) -> str:
    """The caller's id when it is well formed, else a new one (32 hex digits)."""
    if header and _REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The id of the request (or of the outbox row a worker is handling) this code runs for, if any."""
    if has_request_context() and "request_id" in g:
        return g.request_id
    value = _fields.get().get("request_id")
    return value if isinstance(value, str) else None


@contextmanager
def log_fields(**fields: object) -> Iterator[None]:
    """Every line logged inside carries these fields (the worker: the request id and message of a row)."""
    token = _fields.set({**_fields.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _fields.reset(token)


def context_fields() -> dict[str, object]:
    """What every line carries: the request's id, client IP and user (when in a request), then the bound fields."""
    fields: dict[str, object] = dict(_fields.get())
    if has_request_context():
        stored = request_g()
        fields["request_id"] = stored.get("request_id")
        # after ProxyFix: the address RECOVERY_TRUSTED_PROXIES resolves
        fields["client_ip"] = current_request().remote_addr
        user = stored.get("current_user")
        if user is not None:
            fields["user_id"] = user.id
    return {k: v for k, v in fields.items() if v is not None}


def _clean(key: str, value: object) -> object:
    if key.lower() in _SECRET_KEYS:
        return "[redacted]"
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the context fields, any `extra`, the exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "message": redact(record.getMessage())}
        line.update(context_fields())
        line.update({key: _clean(key, value) for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


# Control characters (C0 and DEL) written as escapes on a text line: a decoded request path such as
# "/x%0a18:00:00 INFO ..." must not start a forged line of its own (JSON escapes them already).
_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F)} | {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}


def one_line(text: object) -> str:
    return str(text).translate(_ESCAPES)


@functools.lru_cache(maxsize=4)
def _clock_of_second(second: int) -> str:
    """HH:MM:SS (UTC) of a Unix second: a busy worker writes many lines a second, each made once."""
    return datetime.fromtimestamp(second, UTC).strftime("%H:%M:%S")


class TextFormatter(logging.Formatter):
    """A developer's terminal: time, level, logger, the request id in brackets, the message (redacted), on one
    line whatever a caller put in it (control characters escaped; only a traceback adds lines)."""

    def format(self, record: logging.LogRecord) -> str:
        fields = context_fields()
        stamp = _clock_of_second(int(record.created))
        where = f" [{one_line(fields['request_id'])}]" if "request_id" in fields else ""
        text = f"{stamp} {record.levelname:<7} {record.name}{where} {one_line(redact(record.getMessage()))}"
        if record.name != access_log.name:  # an access line says it all in its message: its extras are not read
            extra = {key: _clean(key, value) for key, value in vars(record).items() if key not in _STANDARD}
            if extra:
                text += " " + " ".join(f"{key}={one_line(value)}" for key, value in extra.items())
        if record.exc_info:
            text += "\n" + redact(self.formatException(record.exc_info))
        return text


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (a test's capture may replace it and close the old one)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def formatter_for(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure_logging(log_format: str) -> None:
    """The root logger writes every line to stderr in `log_format`; idempotent (one handler of ours)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(formatter_for(log_format))
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    for name in ("gunicorn.error", "gunicorn.access"):  # gunicorn's own lines in the same shape, once each
        for own in logging.getLogger(name).handlers:
            own.setFormatter(formatter_for(log_format))


def init_request_logging(app: Flask) -> None:
    """First before_request hook: the request id (taken or made); after each request one access line."""

    @app.before_request
    def start() -> None:
        stored = request_g()
        stored.request_id = accept_request_id(current_request().headers.get(REQUEST_ID_HEADER))
        stored.request_started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        stored, request = request_g(), current_request()
        request_id = stored.get("request_id") or accept_request_id(None)  # refused before our hook ran (404 routing)
        response.headers[REQUEST_ID_HEADER] = request_id
        started = stored.get("request_started")
        took = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
        if access_log.isEnabledFor(logging.INFO):
            # request.path has no query string; redaction masks token-shaped path segments (reset links). The
            # record is made and handed over directly: what `info` adds is a walk up the stack for the caller's
            # file and line, which an access line never prints (about a sixth of its cost; docs/performance.md).
            method, path, status = request.method, redact(request.path), response.status_code
            access_log.handle(access_log.makeRecord(
                access_log.name, logging.INFO, __file__, 0, "%s %s %s %sms", (method, path, status, took), None,
                extra={"method": method, "path": path, "status": status, "duration_ms": took}))
        return response
