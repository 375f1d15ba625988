"""Control characters in input: NUL (which PostgreSQL refuses in text) and, in a one-line field, any C0 control
answer 400 with a field message before any view or query sees them, by every door (form, JSON body, query
string); a database's refusal of bad input is a 400 too, never taken for an outage."""

from __future__ import annotations

import pytest
from helpers.people import PASSWORD
from psycopg import errors as pg_errors
from sqlalchemy.exc import DataError, OperationalError

from recovery.web.auth import role_required

ONE_LINE = "Enter this on one line, without control characters."
TEXT = "Remove the control characters (such as NUL) from this text."


def _field_error(response, field: str) -> list[str]:
    body = response.get_json()
    assert response.status_code == 400, (response.status_code, body)
    assert body["error"]["code"] == "validation_failed"
    return body["error"]["fields"][field]


@pytest.mark.parametrize("email", ["ada\x00@example.com", "ada@example.com\x00", "ada@exa\x01mple.com",
                                   "ada@example.com\r\nBcc: x@example.net", "ada@example.com\t"])
def test_signin_api_email_with_a_control_character_answers_400_with_a_field_message(client, people, email):
    people.add("ada@example.com")
    response = client.post("/api/v1/sessions", json={"email": email, "password": PASSWORD})
    assert _field_error(response, "email") == [ONE_LINE]


def test_signin_page_email_with_nul_answers_400_with_the_field_message(client, csrf):
    response = client.post("/signin", data={"csrf_token": csrf("/signin"), "email": "ada\x00@example.com",
                                            "password": PASSWORD})
    assert response.status_code == 400 and ONE_LINE in response.get_data(as_text=True)


def test_signin_api_field_message_is_translated(client):
    response = client.post("/api/v1/sessions", json={"email": "ada\x00@example.com", "password": PASSWORD},
                           headers={"Accept-Language": "zh-CN"})
    assert _field_error(response, "email") == ["请在一行内输入，不要包含控制字符。"]


def test_reset_request_email_with_nul_answers_400_by_api_and_page(client, csrf):
    api = client.post("/api/v1/password-resets", json={"email": "ada\x00@example.com"})
    assert _field_error(api, "email") == [ONE_LINE]
    page = client.post("/forgot", data={"csrf_token": csrf("/forgot"), "email": "ada\x00@example.com"})
    assert page.status_code == 400 and ONE_LINE in page.get_data(as_text=True)


@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/events?user=ada%00@example.com", "user"),
    ("/api/v1/events?type=account%00", "type"),
    ("/api/v1/events?user=ada@example.com%0a", "user"),
    ("/api/v1/tickets?owner=me%00", "owner"),
    ("/api/v1/alerts?status=new%00", "status"),
])
def test_staff_api_filter_with_a_control_character_answers_400(client, people, path, field):
    headers = people.headers(people.staff("sec@example.com", "security"))
    assert _field_error(client.get(path, headers=headers), field) == [ONE_LINE]


@pytest.mark.parametrize("path", ["/staff/?email=ada%00@example.com", "/staff/events?user=%00"])
def test_staff_page_filter_with_nul_answers_400(client, people, path):
    people.sign_in(people.staff("sec@example.com", "security"))
    response = client.get(path)
    assert response.status_code == 400 and ONE_LINE in response.get_data(as_text=True)


def test_json_body_message_with_nul_answers_400_but_line_breaks_are_kept(client):
    refused = client.post("/api/v1/appeals", json={"email": "ada@example.com", "reason": "other",
                                                   "message": "let me\x00 in"})
    assert _field_error(refused, "message") == [TEXT]
    accepted = client.post("/api/v1/appeals", json={"email": "ada@example.com", "reason": "other",
                                                    "message": "line one\r\nline two\n\tindented"})
    assert accepted.status_code == 202


def test_json_body_nested_value_or_key_with_nul_answers_400(client):
    nested = client.post("/api/v1/appeals", json={"email": "ada@example.com", "reason": "other", "message": "x",
                                                  "extra": {"deep": ["ok", "bad\x00"]}})
    assert _field_error(nested, "extra") == [ONE_LINE]
    key = client.post("/api/v1/appeals", json={"email": "ada@example.com", "reason": "other", "message": "x",
                                               "e\x00mail": "x"})
    assert _field_error(key, "_schema") == [ONE_LINE]


def test_path_segment_with_nul_answers_400(client):
    response = client.get("/api/v1/appeals/status/1.ab%00cd")
    assert _field_error(response, "token") == [ONE_LINE]


@pytest.fixture
def failure_route(app) -> str:
    """A staff route whose query fails the way a database fails: input it refuses, or no connection."""
    failures = {"data": DataError("SELECT %(v)s", {"v": "x"},
                                  pg_errors.UntranslatableCharacter("invalid byte sequence for encoding")),
                "operational": OperationalError("SELECT 1", {}, pg_errors.ConnectionTimeout("timeout"))}

    @app.get("/api/v1/test-failure/<kind>")
    @role_required("security")
    def fail(kind: str):
        raise failures[kind]

    return "/api/v1/test-failure"


@pytest.mark.fresh_app  # failure_route adds a route to the app
def test_database_data_error_is_400_and_operational_error_is_503(client, people, failure_route):
    headers = people.headers(people.staff("sec@example.com", "security"))
    refused = client.get(f"{failure_route}/data", headers=headers)
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "bad_request"
    assert "Retry-After" not in refused.headers
    outage = client.get(f"{failure_route}/operational", headers=headers)
    assert outage.status_code == 503 and outage.headers["Retry-After"] == "5"


@pytest.mark.parametrize("part", ['form-data', 'form-data; filename="x.png"'])
def test_a_multipart_part_without_a_name_is_not_a_500(client, part):
    """Werkzeug names such a part None; the control-character check once took that for a string."""
    body = f"--b\r\nContent-Disposition: {part}\r\n\r\nvalue\r\n--b--\r\n".encode()
    response = client.post("/api/v1/appeals/status/1.x/evidence", data=body,
                           content_type="multipart/form-data; boundary=b")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "token_invalid"
