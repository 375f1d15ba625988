"""The one place errors become responses: RecoveryError, HTTP errors, an unreachable or unresponsive database (503)
or one that refuses the input (400), a defect in our SQL (500); HTML or JSON."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, jsonify, make_response, render_template, request
from flask_babel import gettext
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, NotSupportedError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from recovery.errors import Conflict, Message, RecoveryError, ServiceUnavailable, TooManyAttempts, ValidationFailed
from recovery.web.csrf import CsrfFailed, check_csrf
from recovery.web.messages import in_words, translate, translate_marshmallow
from recovery.web.ratelimit import seconds_until_allowed

log = logging.getLogger(__name__)

_HTTP_CODES = {400: "bad_request", 401: "authentication_required", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type",
               429: "rate_limited", 503: "service_unavailable"}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def translate_fields(fields: dict) -> dict:
    """Translate marshmallow's (and our) field messages, keeping nested shapes."""
    out: dict = {}
    for name, messages in fields.items():
        if isinstance(messages, dict):
            out[name] = translate_fields(messages)
        elif isinstance(messages, list):
            out[name] = [_translate_message(m) for m in messages]
        else:
            out[name] = [translate(str(messages))]
    return out


def _translate_message(message: object) -> object:
    if isinstance(message, Message):
        return translate(message.msgid, message.params)
    if isinstance(message, str):
        return translate_marshmallow(message) or translate(message)
    return message


def error_response(status: int, code: str, message: str, fields: dict | None = None,
                   retry_after: int | None = None, extra: dict | None = None) -> Response:
    if wants_json():
        body = {"error": {"code": code, "message": message, "fields": fields or {}, **(extra or {})}}
        response = jsonify(body)
    else:
        response = Response(render_template("errors/error.html", status=status, code=code, message=message,
                                            fields=fields or {}, extra=extra or {}), mimetype="text/html")
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def discard_and_persist(error: RecoveryError) -> None:
    """Roll back the half-done change, then keep only what the error says must survive (e.g. failure events)."""
    session = g.get("db_session")
    if session is None:
        return
    session.rollback()
    if not error.persist:
        return
    for item in error.persist:
        if callable(item):
            item(session)
        else:
            session.add(item)
    session.commit()


def handle_recovery_error(error: RecoveryError) -> Response:
    try:
        discard_and_persist(error)
    except DBAPIError:
        log.exception("could not persist the record of a failed request")
        return handle_database_error(ServiceUnavailable())
    fields = translate_fields(error.fields) if isinstance(error, ValidationFailed) else None
    retry_after = error.retry_after if isinstance(error, (TooManyAttempts, ServiceUnavailable)) else None
    extra = {key: in_words(value) for key, value in error.extra.items()} if error.extra else error.extra
    return error_response(error.status, error.code, translate(error.message, error.params), fields, retry_after,
                          extra)


def handle_pool_timeout(error: PoolTimeout) -> Response:
    """Every pooled connection stayed busy for `database_pool_timeout_seconds`: the database is slow or frozen."""
    return handle_database_error(error)


def handle_database_error(error: Exception) -> Response:
    session = g.get("db_session")
    if session is not None:
        try:
            session.rollback()
        except DBAPIError:
            log.warning("rollback failed on a broken connection")
    if isinstance(error, IntegrityError):
        conflict = Conflict()
        return error_response(409, conflict.code, translate(conflict.message))
    if isinstance(error, DataError):
        # The database refused a value (NUL in text, an invalid byte sequence, a number out of range): bad
        # input, which no retry cures, not an outage.
        log.warning("database refused the input: %s", type(error.orig).__name__)
        return error_response(400, _HTTP_CODES[400], _http_message(400))
    if isinstance(error, ProgrammingError | NotSupportedError) and not error.connection_invalidated:
        # Our SQL or a value our code bound (a type the driver cannot adapt, a table missing after a bad deploy):
        # a defect for the logs and alerts, which a 503 with Retry-After would pass off as an outage.
        return handle_unexpected(error)
    log.warning("database unavailable: %s", type(error).__name__)
    unavailable = ServiceUnavailable()
    return error_response(503, unavailable.code, translate(unavailable.message), retry_after=unavailable.retry_after)


# The attribute form_page (web/forms.py) leaves on a view: how to show its form again with an error.
FORM_PAGE_AGAIN = "form_page_again"


def handle_rate_limit(error: RateLimitExceeded) -> Response:
    limited = TooManyAttempts(seconds_until_allowed() or 60)
    again = getattr(current_app.view_functions.get(request.endpoint or ""), FORM_PAGE_AGAIN, None)
    if again is not None and request.method == "POST" and _form_may_be_shown_again():
        # A form page: the same form with what was typed (never a password or code) and the wait, not a page
        # that loses the text.
        try:
            body, status, headers = again(limited, **(request.view_args or {}))
            return make_response(body, status, headers)
        except RecoveryError:  # the page itself cannot be drawn (its link is not valid, say): the plain 429
            pass
    return error_response(429, limited.code, translate(limited.message), retry_after=limited.retry_after)


_SMALL_FORM = 64 * 1024


def _form_may_be_shown_again() -> bool:
    """A refusal after the body was read (the view's own limits): yes. One before it (the early per-IP check,
    which reads nothing of a client already over its limit): only a small urlencoded form (never a multipart
    upload) whose CSRF token holds, so what is echoed back is the person's own typing, not a cross-site post's."""
    if not g.get("refused_before_body"):
        return True
    if request.mimetype != "application/x-www-form-urlencoded" or not 0 < (request.content_length or 0) <= _SMALL_FORM:
        return False
    try:
        check_csrf()
    except CsrfFailed:
        return False
    return True


def handle_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    code = _HTTP_CODES.get(status, "error")
    return error_response(status, code, _http_message(status))


def _http_message(status: int) -> str:
    messages = {
        400: gettext("The request could not be understood."),
        401: gettext("Please sign in to continue."),
        403: gettext("You do not have permission to do that."),
        404: gettext("We could not find what you asked for."),
        405: gettext("That action is not allowed here."),
        413: gettext("What you sent is too large."),
        415: gettext("Please send JSON."),
    }
    return messages.get(status, gettext("Something went wrong. Please try again."))


def handle_unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    log.exception("unhandled error")
    session = g.get("db_session")
    if session is not None:
        session.rollback()
    return error_response(500, "internal_error", gettext("Something went wrong. Please try again."))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(RecoveryError, handle_recovery_error)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(PoolTimeout, handle_pool_timeout)
    app.register_error_handler(RateLimitExceeded, handle_rate_limit)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
