"""Parsing input with marshmallow for pages and the API, re-rendering a form with its field errors, and the one
check every request's text passes first: no control characters (NUL above all, which PostgreSQL refuses)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import wraps
from typing import Any

from flask import Flask, g, render_template, request
from marshmallow import Schema
from marshmallow import ValidationError as MarshmallowError

from recovery.errors import N_, RecoveryError, ValidationFailed
from recovery.web.context import current_request
from recovery.web.errors import FORM_PAGE_AGAIN, discard_and_persist, translate, translate_fields


class JsonRequired(RecoveryError):
    code = "unsupported_media_type"
    status = 415
    message = N_("Please send JSON.")


# Fields beyond a schema's own that a body may carry before it is refused whole: marshmallow builds an error per
# unknown key, so 100,000 of them in a 1 MB body cost 1.5 s and a 3 MB answer (the outside review of round 2).
_EXTRA_FIELDS = 20


def parse(schema: Schema, data: Mapping[str, Any]) -> dict:
    if isinstance(data, Mapping) and len(data) > len(schema.fields) + _EXTRA_FIELDS:
        raise ValidationFailed({"_schema": [N_("This request has more fields than it can hold.")]})
    try:
        return schema.load(data)
    except MarshmallowError as exc:
        fields = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed(fields) from exc


def json_body() -> dict:
    if not request.is_json:
        raise JsonRequired()
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationFailed({"_schema": [N_("The body must be a JSON object.")]})
    return data


def parse_json(schema: Schema) -> dict:
    return parse(schema, json_body())


def parse_form(schema: Schema) -> dict:
    fields = {k: v for k, v in request.form.items() if k != "csrf_token"}
    return parse(schema, fields)


def form_page(template: str, context=None):
    """On a RecoveryError, re-render `template` with the submitted values and translated messages.

    `context` is an optional callable returning extra template variables (the same the GET view passes).
    Secrets (passwords, codes) are never echoed back into the form.
    """

    def decorate(view):
        def again(error: RecoveryError, *args, **kwargs):
            discard_and_persist(error)
            g.form_error = error
            extra = context(*args, **kwargs) if context else {}
            fields = translate_fields(error.fields) if isinstance(error, ValidationFailed) else {}
            submitted = {k: v for k, v in request.form.items()
                         if "password" not in k and "code" not in k and k != "csrf_token"}
            body = render_template(template, form=submitted, errors=fields,
                                   error=translate(error.message, error.params), error_code=error.code, **extra)
            headers = {"Retry-After": str(error.retry_after)} if hasattr(error, "retry_after") else {}
            return body, error.status, headers

        @wraps(view)
        def wrapper(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except RecoveryError as error:
                return again(error, *args, **kwargs)

        # The rate limiter refuses before this wrapper runs (its decorators sit outside): its 429 handler finds
        # this through the decorators' functools.wraps and shows the form again with what was typed.
        setattr(wrapper, FORM_PAGE_AGAIN, again)
        return wrapper

    return decorate


# Control characters answer 400 before any view, schema or query sees them: NUL everywhere (PostgreSQL refuses
# it in text, and the driver's refusal once read as an outage), and every C0 control in a one-line field, which
# is every query-string and path value and every body field but the multi-line ones below.
_ONE_LINE_MESSAGE = N_("Enter this on one line, without control characters.")
_TEXT_MESSAGE = N_("Remove the control characters (such as NUL) from this text.")
# A lone surrogate (only a JSON escape such as \ud800 makes one) is no text either: no database, template or
# encoder can write it, so it is refused with the controls.
_ANY_CONTROL = re.compile(r"[\x00-\x1f\ud800-\udfff]")
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")  # C0 controls but tab, LF and CR
# Body fields that may span lines (a ticket's message and reply body, a status or decision reason, a note), and
# passwords, which are compared, never stored or shown: tab, LF and CR are allowed in those, nothing else.
MULTILINE_FIELDS = frozenset({"message", "body", "reason", "note"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _allows_line_breaks(name: str) -> bool:
    return name in MULTILINE_FIELDS or "password" in name


def _strings(value: object) -> Iterator[str]:
    """Every string in a JSON value: itself, or the keys and values of what it holds."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _fields_of_request() -> Iterator[tuple[str, object, bool]]:
    """(field name, value, whether it is a one-line field) for the query string, the path and the body."""
    request = current_request()
    for name, value in request.args.items(multi=True):
        yield name, value, True
    for name, value in (request.view_args or {}).items():
        yield name, value, True
    if request.method not in _BODY_METHODS:
        return
    if not request.is_json:  # a JSON body has no form fields (werkzeug parses only form types): not read for it
        for name, value in request.form.items(multi=True):
            name = name or ""  # a multipart part without a name has None for one
            yield name, value, not _allows_line_breaks(name)
        return
    body = request.get_json(silent=True)
    if isinstance(body, dict):
        for name, value in body.items():
            yield name, value, not _allows_line_breaks(name)


def refuse_control_characters() -> None:
    """before_request: a ValidationFailed naming every field (or key: `_schema`) that holds a control character."""
    fields: dict[str, list[str]] = {}
    for name, value, one_line in _fields_of_request():
        if _ANY_CONTROL.search(name):
            fields["_schema"] = [_ONE_LINE_MESSAGE]
            continue
        nested = not isinstance(value, str)
        pattern = _ANY_CONTROL if one_line or nested else _NOT_TEXT
        if any(pattern.search(text) for text in _strings(value)):
            fields[name] = [_ONE_LINE_MESSAGE if pattern is _ANY_CONTROL else _TEXT_MESSAGE]
    if fields:
        raise ValidationFailed(fields)


def init_input_checks(app: Flask) -> None:
    app.before_request(refuse_control_characters)
