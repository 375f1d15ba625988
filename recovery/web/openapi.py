"""The OpenAPI 3 document, generated from the marshmallow schemas each API view declares with @api_doc."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, current_app, jsonify
from marshmallow import Schema, fields

from recovery.numbers import INT32_MAX, INT64_MAX
from recovery.web.auth import STAFF_GUARD  # the mark role_required / own_or_staff_required leave on a view

bp = Blueprint("openapi", __name__)

# Path parameters by converter: an id is an integer in its column's range (anything else answers 404).
_ID_PARAMETERS = {"int": {"type": "integer", "format": "int32", "minimum": 1, "maximum": INT32_MAX},
                  "bigid": {"type": "integer", "format": "int64", "minimum": 1, "maximum": INT64_MAX}}
_PARAMETER = re.compile(r"<(?:([^:<>]+):)?([^<>]+)>")
_BODY_METHODS = frozenset({"post", "put", "patch", "delete"})
# Every answer may be one of these: a control character or bad input anywhere (400), a rate limit (429), the
# database unreachable (503).
_ALWAYS = (400, 429, 503)
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again",
                                "schema": {"type": "integer", "minimum": 0}}}


class NextStep(Schema):
    # "appeal" (url: the appeal form) or "case" (the owner's own stolen-account case is open: no url, its
    # status link stays in the owner's mailbox, since the password alone does not prove the owner).
    action = fields.String(required=True)
    message = fields.String(required=True)
    url = fields.String(required=True, allow_none=True)
    ticket_id = fields.Integer()


class ErrorDetail(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    # "fields" in the document, but not as the attribute: that name is the Schema's own table of its fields.
    field_errors = fields.Dict(keys=fields.String(), values=fields.Raw(), data_key="fields", required=True)
    # Only on account_not_active (a signed-in attempt on a locked, suspended or banned account).
    account_status = fields.String()
    reason = fields.String()
    next = fields.Nested(NextStep)


class ErrorBody(Schema):
    error = fields.Nested(ErrorDetail, required=True)


Content = Mapping[str, object]  # media type -> schema (a marshmallow Schema, or JSON Schema as a dict)
ResponseSpec = type[Schema] | Schema | Content | None


def api_doc(summary: str, *, body: type[Schema] | Schema | None = None, body_required: bool = True,
            multipart: Mapping[str, object] | None = None, responses: dict[int, ResponseSpec] | None = None,
            errors: tuple[int, ...] = (), auth: bool = True, tags: tuple[str, ...] = (),
            query: type[Schema] | None = None):
    """Describe an API view for the generated document; the schemas are the same ones the view loads with.

    `body` is the JSON body's schema; `multipart` the JSON Schema of a multipart/form-data body (uploads).
    `responses` are the successes (a schema for a JSON body, a {media type: schema} map, or None for no body);
    `errors` are the error statuses the view itself raises. build_spec adds those every view of its kind can
    answer (400, 429, 503; 401 and 403 behind the guards; 404 with path parameters; 413 and 415 with a body)."""

    def decorate(view):
        view._openapi = {"summary": summary, "body": body, "body_required": body_required, "multipart": multipart,
                         "responses": responses or {200: None}, "errors": tuple(errors), "auth": auth,
                         "tags": list(tags), "query": query}
        return view

    return decorate


def _content(spec: ResponseSpec) -> dict:
    if isinstance(spec, Mapping):  # copied: apispec resolves the Schema classes in it in place
        return {media_type: {"schema": copy.deepcopy(schema)} for media_type, schema in spec.items()}
    return {"application/json": {"schema": spec}}


def _error_statuses(doc: dict, method: str, *, has_path_params: bool, staff_guarded: bool) -> set[int]:
    statuses = set(_ALWAYS) | set(doc["errors"])
    if doc["auth"]:
        statuses.add(401)
    if staff_guarded:
        statuses.add(403)
    if has_path_params:
        statuses.add(404)  # an unknown id, or a path that is not an id at all
    if method in _BODY_METHODS:
        statuses.add(413)  # any body is read (the control-character check) and bounded by MAX_CONTENT_LENGTH
    if doc["body"] is not None:
        statuses.add(415)  # a JSON body is required as JSON
    return statuses


def _operation(doc: dict, method: str, *, has_path_params: bool, staff_guarded: bool) -> dict:
    operation: dict = {"summary": doc["summary"], "tags": doc["tags"], "responses": {}}
    if doc["body"] is not None:
        operation["requestBody"] = {"required": doc["body_required"], "content": _content(doc["body"])}
    elif doc["multipart"] is not None:
        operation["requestBody"] = {"required": True, "content": _content({"multipart/form-data": doc["multipart"]})}
    if doc["query"] is not None:
        operation["parameters"] = [{"in": "query", "schema": doc["query"]}]
    for status, spec in doc["responses"].items():
        response: dict = {"description": str(status)}
        if spec is not None:
            response["content"] = _content(spec)
        operation["responses"][str(status)] = response
    for status in sorted(_error_statuses(doc, method, has_path_params=has_path_params, staff_guarded=staff_guarded)):
        response = {"description": str(status), "content": {"application/json": {"schema": "ErrorBody"}}}
        if status in (429, 503):
            response["headers"] = _RETRY_AFTER
        operation["responses"].setdefault(str(status), response)
    operation["security"] = [{"bearer": []}] if doc["auth"] else []
    return operation


def _path_parameters(rule: str) -> list[dict]:
    """Each path variable with the values its converter accepts: ids are integers in their column's range, the
    rest one path segment."""
    text = {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}
    return [{"name": name, "in": "path", "required": True, "schema": dict(_ID_PARAMETERS.get(converter, text))}
            for converter, name in _PARAMETER.findall(rule)]


def build_spec(app: Flask) -> dict:
    spec = APISpec(title="recovery API", version="1", openapi_version="3.0.3", plugins=[MarshmallowPlugin()],
                   info={"description": "Account security and recovery. Errors share one shape: "
                                        '{"error": {"code", "message", "fields"}}.'})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("ErrorBody", schema=ErrorBody)
    paths: dict[str, dict] = {}
    parameters: dict[str, list[dict]] = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        doc = getattr(view, "_openapi", None)
        if doc is None:
            continue
        path = _PARAMETER.sub(r"{\2}", rule.rule)
        parameters[path] = _path_parameters(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(
                doc, method.lower(), has_path_params=bool(rule.arguments),
                staff_guarded=getattr(view, STAFF_GUARD, None) is not None)
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations, parameters=parameters[path] or None)
    return spec.to_dict()


@bp.get("/api/v1/openapi.json")
def openapi_document():
    if "openapi_doc" not in current_app.extensions:
        current_app.extensions["openapi_doc"] = build_spec(current_app)
    return jsonify(current_app.extensions["openapi_doc"])
