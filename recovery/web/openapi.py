"""The OpenAPI 3 document, generated from the marshmallow schemas each API view declares with @api_doc."""

from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, current_app, jsonify
from marshmallow import Schema, fields

from recovery.numbers import INT32_MAX, INT64_MAX

bp = Blueprint("openapi", __name__)


class ErrorDetail(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    # "fields" in the document, but not as the attribute: that name is the Schema's own table of its fields.
    field_errors = fields.Dict(keys=fields.String(), values=fields.Raw(), data_key="fields")


class ErrorBody(Schema):
    error = fields.Nested(ErrorDetail, required=True)


def api_doc(summary: str, *, body: type[Schema] | Schema | None = None,
            responses: dict[int, type[Schema] | Schema | None] | None = None, auth: bool = True,
            tags: tuple[str, ...] = (), query: type[Schema] | None = None):
    """Describe an API view for the generated document; the schemas are the same ones the view loads with."""

    def decorate(view):
        view._openapi = {"summary": summary, "body": body, "responses": responses or {200: None},
                         "auth": auth, "tags": list(tags), "query": query}
        return view

    return decorate


def _schema_ref(schema) -> object:
    return schema if isinstance(schema, Schema) else schema


def _operation(doc: dict, *, has_path_parameters: bool = False) -> dict:
    operation: dict = {"summary": doc["summary"], "tags": doc["tags"], "responses": {}}
    if doc["body"] is not None:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": _schema_ref(doc["body"])}}}
    if doc["query"] is not None:
        operation["parameters"] = [{"in": "query", "schema": doc["query"]}]
    for status, schema in doc["responses"].items():
        response: dict = {"description": str(status)}
        if schema is not None:
            response["content"] = {"application/json": {"schema": _schema_ref(schema)}}
        operation["responses"][str(status)] = response
    # 404: a path parameter names nothing (or, for an id, is no number in its column's range).
    for status in (400, 429, 503) + ((401, 403) if doc["auth"] else ()) + ((404,) if has_path_parameters else ()):
        operation["responses"].setdefault(str(status), {"description": str(status), "content": {
            "application/json": {"schema": "ErrorBody"}}})
    operation["security"] = [{"bearer": []}] if doc["auth"] else []
    return operation


# Path parameters by converter: an id is an integer in its column's range (anything else answers 404).
_ID_PARAMETERS = {"int": {"type": "integer", "format": "int32", "minimum": 1, "maximum": INT32_MAX},
                  "bigid": {"type": "integer", "format": "int64", "minimum": 1, "maximum": INT64_MAX}}
_PARAMETER = re.compile(r"<(?:([^:<>]+):)?([^<>]+)>")


def _path_parameters(rule: str) -> list[dict]:
    return [{"name": name, "in": "path", "required": True, "schema": _ID_PARAMETERS.get(converter, {"type": "string"})}
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
            paths.setdefault(path, {})[method.lower()] = _operation(doc, has_path_parameters=bool(parameters[path]))
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations, parameters=parameters[path] or None)
    return spec.to_dict()


@bp.get("/api/v1/openapi.json")
def openapi_document():
    if "openapi_doc" not in current_app.extensions:
        current_app.extensions["openapi_doc"] = build_spec(current_app)
    return jsonify(current_app.extensions["openapi_doc"])
