"""The OpenAPI document is generated from the marshmallow schemas, validates, and covers every API route."""

import io
import re

import schemathesis
from helpers.people import PASSWORD
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
        if "multipart/form-data" in body["content"]:  # evidence uploads: files and a message, not JSON
            continue
        ref = body["content"]["application/json"]["schema"].get("$ref", "")
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas


# --- the document says exactly what the API answers ---------------------------------------------------------

def _operation(document: dict, method: str, path: str) -> dict:
    return document["paths"][path][method.lower()]


def assert_documented(app, method: str, path: str, response) -> None:
    """`response` (to `method path`, a path template of the document) has a declared status and content type,
    and its body validates against the declared schema."""
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    declared = _operation(document, method, path)["responses"]
    status = str(response.status_code)
    assert status in declared, f"{method} {path} answered {status}, documented: {sorted(declared)}"
    content = declared[status].get("content")
    if not response.data:
        return
    assert content, f"{method} {path} {status} has a body but documents none"
    media_type = response.mimetype
    assert media_type in content, f"{method} {path} {status}: {media_type} not in {sorted(content)}"
    operation = schemathesis.openapi.from_dict(document)[path][method.upper()]
    operation.validate_response(response)  # raises on a body that does not match


def test_integer_path_parameters_are_bounded_integers(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    ranges = {"int": ("int32", 2**31 - 1), "bigid": ("int64", 2**63 - 1)}  # INTEGER and BIGINT columns
    ids = {(re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule), name, converter)
           for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
           for converter, name in re.findall(r"<([^:<>]+):([^<>]+)>", rule.rule) if converter in ranges}
    assert ids
    for path, name, converter in ids:
        [parameter] = [p for p in document["paths"][path]["parameters"] if p["name"] == name]
        id_format, maximum = ranges[converter]
        assert parameter["schema"] == {"type": "integer", "format": id_format, "minimum": 1, "maximum": maximum}


def test_every_error_status_has_the_error_body(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)


def test_wrong_password_401_is_documented(app, client, people):
    people.add("ada@example.com")
    response = client.post("/api/v1/sessions", json={"email": "ada@example.com", "password": "not it at all"})
    assert response.status_code == 401
    assert_documented(app, "POST", "/api/v1/sessions", response)


def test_blocked_account_403_with_its_next_step_is_documented(app, client, people):
    people.add("ada@example.com", status="suspended", reason="testing")
    response = client.post("/api/v1/sessions", json={"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 403 and response.get_json()["error"]["next"]["action"] == "appeal"
    assert_documented(app, "POST", "/api/v1/sessions", response)


def test_unknown_mfa_token_401_is_documented(app, client):
    response = client.post("/api/v1/sessions/mfa", json={"mfa_token": "x" * 40, "code": "123456"})
    assert response.status_code == 401
    assert_documented(app, "POST", "/api/v1/sessions/mfa", response)


def test_bodyless_json_post_415_is_documented(app, client):
    response = client.post("/api/v1/password-resets")
    assert response.status_code == 415
    assert_documented(app, "POST", "/api/v1/password-resets", response)


def test_non_integer_id_404_is_documented(app, client, people):
    headers = people.headers(people.staff("sec@example.com", role="security"))
    response = client.get("/api/v1/alerts/abc", headers=headers)
    assert response.status_code == 404
    assert_documented(app, "GET", "/api/v1/alerts/{alert_id}", response)


def test_mfa_not_enabled_409s_are_documented(app, client, people):
    headers = people.headers(people.add("ada@example.com"))
    response = client.post("/api/v1/mfa/recovery-codes", headers=headers)
    assert response.status_code == 409
    assert_documented(app, "POST", "/api/v1/mfa/recovery-codes", response)
    response = client.post("/api/v1/mfa/totp/disable", headers=headers,
                           json={"password": PASSWORD, "code": "123456"})
    assert response.status_code == 409
    assert_documented(app, "POST", "/api/v1/mfa/totp/disable", response)


def test_a_users_own_events_match_the_document(app, client, people):
    headers = people.headers(people.add("ada@example.com"))
    response = client.get("/api/v1/events", headers=headers)
    assert response.status_code == 200 and response.get_json()["events"]
    assert_documented(app, "GET", "/api/v1/events", response)


def test_ticket_metrics_body_is_documented(app, client, people):
    headers = people.headers(people.staff("agent@example.com"))
    response = client.get("/api/v1/tickets/metrics", headers=headers)
    assert response.status_code == 200
    assert_documented(app, "GET", "/api/v1/tickets/metrics", response)


def test_answers_about_real_rows_match_the_document(app, client, people, services):
    """Fuzzing rarely names an existing row; here every staff read and action answers about real ones."""
    from recovery.alerts import service as alerts
    from recovery.tickets import service as tickets

    owner = people.add("ada@example.com")
    admin = people.headers(people.staff("root@example.com", role="admin"))
    with services() as ctx:
        ticket = tickets.open_ticket(ctx, category="other", user_id=owner, subject="Help", message="please",
                                     source="appeal").id
        alert = alerts.raise_alert(ctx, rule="brute_force", severity="medium", source="203.0.113.9").id
    client.post("/api/v1/password-resets", json={"email": "ada@example.com"})  # an outbox message
    calls = [
        ("GET", "/api/v1/tickets", "/api/v1/tickets", None),
        ("GET", "/api/v1/tickets/{ticket_id}", f"/api/v1/tickets/{ticket}", None),
        ("POST", "/api/v1/tickets/{ticket_id}/claim", f"/api/v1/tickets/{ticket}/claim", None),
        ("POST", "/api/v1/tickets/{ticket_id}/notes", f"/api/v1/tickets/{ticket}/notes", {"body": "a note"}),
        ("POST", "/api/v1/tickets/{ticket_id}/replies", f"/api/v1/tickets/{ticket}/replies", {"body": "hello"}),
        ("POST", "/api/v1/tickets/{ticket_id}/escalate", f"/api/v1/tickets/{ticket}/escalate", {"reason": "late"}),
        ("POST", "/api/v1/tickets/{ticket_id}/decisions", f"/api/v1/tickets/{ticket}/decisions",
         {"outcome": "denied", "reason": "no proof"}),
        ("POST", "/api/v1/tickets/{ticket_id}/replies", f"/api/v1/tickets/{ticket}/replies", {"body": "again"}),
        ("GET", "/api/v1/tickets/{ticket_id}", f"/api/v1/tickets/{ticket}", None),
        ("GET", "/api/v1/alerts", "/api/v1/alerts", None),
        ("GET", "/api/v1/alerts/{alert_id}", f"/api/v1/alerts/{alert}", None),
        ("POST", "/api/v1/alerts/{alert_id}/acknowledge", f"/api/v1/alerts/{alert}/acknowledge", {"note": "mine"}),
        ("POST", "/api/v1/alerts/{alert_id}/resolve", f"/api/v1/alerts/{alert}/resolve", {"note": "done"}),
        ("POST", "/api/v1/alerts/{alert_id}/resolve", f"/api/v1/alerts/{alert}/resolve", {"note": "twice"}),
        ("GET", "/api/v1/outbox", "/api/v1/outbox", None),
        ("GET", "/api/v1/events", "/api/v1/events", None),
        ("GET", "/api/v1/accounts/{user_id}/sessions", f"/api/v1/accounts/{owner}/sessions", None),
        ("PUT", "/api/v1/accounts/{user_id}/status", f"/api/v1/accounts/{owner}/status",
         {"status": "suspended", "reason": "testing"}),
        ("POST", "/api/v1/webhooks", "/api/v1/webhooks", {"url": "https://hooks.example.com/recovery"}),
        ("GET", "/api/v1/webhooks", "/api/v1/webhooks", None),
    ]
    statuses = []
    for method, template, path, body in calls:
        response = client.open(path, method=method, headers=admin, json=body)
        statuses.append(response.status_code)
        assert_documented(app, method, template, response)
    hook = response.get_json()["webhooks"][0]["id"]
    message = client.get("/api/v1/outbox", headers=admin).get_json()["messages"][0]["id"]
    for method, template, path in [
            ("GET", "/api/v1/webhooks/{subscription_id}/deliveries", f"/api/v1/webhooks/{hook}/deliveries"),
            ("DELETE", "/api/v1/webhooks/{subscription_id}", f"/api/v1/webhooks/{hook}"),
            ("POST", "/api/v1/outbox/{message_id}/retry", f"/api/v1/outbox/{message}/retry")]:
        response = client.open(path, method=method, headers=admin)
        statuses.append(response.status_code)
        assert_documented(app, method, template, response)
    assert statuses.count(409) == 3, statuses  # replying to a decided ticket, resolving twice, retrying a sent message
    assert all(status < 300 for status in statuses if status != 409), statuses


def test_a_requesters_answers_match_the_document(app, client, people, services):
    from recovery.tickets import service as tickets
    from recovery.tickets.access import status_token

    with services() as ctx:
        ticket = tickets.open_ticket(ctx, category="other", user_id=people.add("ada@example.com"), subject="Help",
                                     message="please", source="appeal")
        token = status_token(ctx, ticket)
    base = "/api/v1/appeals/status/{token}"
    for method, suffix, body, status in [("GET", "", None, 200), ("POST", "/replies", {"message": "more"}, 201),
                                         ("POST", "/rating", {"score": 5}, 409)]:
        response = client.open(f"/api/v1/appeals/status/{token}{suffix}", method=method, json=body)
        assert response.status_code == status, response.get_json()
        assert_documented(app, method, base + suffix, response)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    response = client.post(f"/api/v1/appeals/status/{token}/evidence", content_type="multipart/form-data",
                           data={"message": "a screenshot", "evidence": (io.BytesIO(png), "shot.png")})
    assert response.status_code == 201, response.get_json()
    assert_documented(app, "POST", base + "/evidence", response)


def test_403_is_declared_where_the_staff_guard_or_the_view_can_answer_it(client):
    document = client.get("/api/v1/openapi.json").get_json()
    responses = {(method, path): set(op["responses"]) for path, ops in document["paths"].items()
                 for method, op in ops.items() if method != "parameters"}
    assert "403" not in responses[("get", "/api/v1/me")]  # signed in is enough
    assert "403" in responses[("get", "/api/v1/events")]  # own_or_staff_required: staff pass the staff guard
    assert "403" in responses[("get", "/api/v1/alerts")]  # role_required
    assert "403" in responses[("post", "/api/v1/mfa/totp/disable")]  # staff must keep MFA
    assert "401" not in responses[("post", "/api/v1/accounts")]  # no sign-in
