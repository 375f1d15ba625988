"""Parsing input with marshmallow for pages and the API, and re-rendering a form with its field errors."""

from __future__ import annotations

from collections.abc import Mapping
from functools import wraps
from typing import Any

from flask import g, render_template, request
from marshmallow import Schema
from marshmallow import ValidationError as MarshmallowError

from recovery.errors import N_, RecoveryError, ValidationFailed
from recovery.web.errors import discard_and_persist, translate, translate_fields


class JsonRequired(RecoveryError):
    code = "unsupported_media_type"
    status = 415
    message = N_("Please send JSON.")


def parse(schema: Schema, data: Mapping[str, Any]) -> dict:
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
        @wraps(view)
        def wrapper(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except RecoveryError as error:
                discard_and_persist(error)
                g.form_error = error
                extra = context(*args, **kwargs) if context else {}
                fields = translate_fields(error.fields) if isinstance(error, ValidationFailed) else {}
                submitted = {k: v for k, v in request.form.items()
                             if "password" not in k and "code" not in k and k != "csrf_token"}
                body = render_template(template, form=submitted, errors=fields,
                                       error=translate(error.message, error.params), error_code=error.code,
                                       **extra)
                headers = {"Retry-After": str(error.retry_after)} if hasattr(error, "retry_after") else {}
                return body, error.status, headers

        return wrapper

    return decorate
