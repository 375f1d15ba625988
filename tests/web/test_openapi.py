"""The OpenAPI document is generated from the marshmallow schemas, validates, and covers every API route."""

import re

from openapi_spec_validator import validate


def test_openapi_document_validates(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    validate(response.get_json())


def test_every_api_route_is_documented(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method) for path, operations in document["paths"].items()
                  for method in operations if method in {"get", "post", "put", "patch", "delete"}}
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    assert routes, "no API routes registered"
    assert routes <= documented, f"undocumented: {sorted(routes - documented)}"


def test_request_bodies_come_from_marshmallow_schemas(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert "ErrorBody" in schemas
    bodies = [op["requestBody"] for ops in document["paths"].values() for op in ops.values()
              if isinstance(op, dict) and "requestBody" in op]
    assert bodies, "no request bodies documented"
    for body in bodies:
        ref = body["content"]["application/json"]["schema"].get("$ref", "")
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas
