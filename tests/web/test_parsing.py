"""Numbers, nesting and ids in untrusted input (issue 16 items 1-3): other scripts' digits, JSON nested past
Python's recursion limit and ids no column can hold answer 400 or 404, never 500 or 503, and such an id never
reaches the database."""

from __future__ import annotations

import base64
import re
import time

import pytest
from psycopg import errors as pg_errors
from sqlalchemy import event
from sqlalchemy.exc import DataError, OperationalError, ProgrammingError

from recovery.numbers import INT32_MAX, INT64_MAX, parse_id, parse_int
from recovery.tickets import service as tickets
from recovery.web.context import runtime
from recovery.web.inputs import MAX_JSON_DEPTH, nesting_depth_exceeds

SUPERSCRIPT_THREE, ARABIC_THREE = "\u00b3", "\u0663"  # "³": isdigit() but not int(); "٣": both, as 3


@pytest.fixture
def admin(people) -> dict[str, str]:
    return people.headers(people.staff("admin@example.test", "admin"))


def _ticket(services, user_id: int) -> int:
    with services() as ctx:
        return tickets.open_ticket(ctx, category="unblock_appeal", user_id=user_id, subject="Help",
                                   message="please", source="appeal").id


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# --- item 1: digits of other scripts ---------------------------------------------------------------------------

@pytest.mark.parametrize("digits", ["0", "1", "2147483647", "9223372036854775807"])
def test_parse_int_reads_ascii_digits(digits):
    assert parse_int(digits) == int(digits)


@pytest.mark.parametrize("text", [SUPERSCRIPT_THREE, ARABIC_THREE, "\uff13", "+1", "-1", " 1", "1 ", "1_0", "1\n",
                                  "", "9223372036854775808", "1" * 20, None, 3])
def test_parse_int_refuses_anything_but_ascii_digits_in_range(text):
    assert parse_int(text) is None


def test_parse_id_keeps_to_the_column_range():
    assert parse_id("0") is None and parse_id(str(INT32_MAX)) == INT32_MAX and parse_id(str(INT32_MAX + 1)) is None
    assert parse_id(str(INT32_MAX + 1), big=True) == INT32_MAX + 1 and parse_id(str(INT64_MAX + 1), big=True) is None


@pytest.mark.parametrize(("method", "path"), [
    ("get", f"/api/v1/appeals/status/{SUPERSCRIPT_THREE}"),
    ("get", f"/api/v1/appeals/status/{SUPERSCRIPT_THREE}.abc"),
    ("post", f"/api/v1/appeals/status/{SUPERSCRIPT_THREE}/replies"),
    ("post", f"/api/v1/appeals/status/{SUPERSCRIPT_THREE}/rating"),
    ("get", f"/appeal/status/{SUPERSCRIPT_THREE}"),
    ("get", f"/recover/cancel/{SUPERSCRIPT_THREE}"),
    ("post", f"/recover/cancel/{SUPERSCRIPT_THREE}"),
])
def test_a_link_token_of_unicode_digits_answers_400(client, method, path):
    body = {"message": "hello", "score": 3} if path.startswith("/api/") and method == "post" else None
    response = client.open(path, method=method.upper(), json=body)
    assert response.status_code == 400


@pytest.mark.parametrize("path", [f"/api/v1/events?user={SUPERSCRIPT_THREE}",
                                  f"/api/v1/alerts?user={SUPERSCRIPT_THREE}"])
def test_a_user_filter_of_unicode_digits_finds_nobody(client, admin, path):
    response = client.get(path, headers=admin)
    assert response.status_code == 200
    assert [value for value in response.get_json().values() if isinstance(value, list)] == [[]]


@pytest.mark.parametrize("path", [f"/api/v1/outbox?cursor={SUPERSCRIPT_THREE}.{SUPERSCRIPT_THREE}",
                                  f"/api/v1/outbox?cursor=1.{ARABIC_THREE}",
                                  f"/api/v1/alerts?cursor={_b64('a' + SUPERSCRIPT_THREE)}",
                                  f"/api/v1/tickets?owner={SUPERSCRIPT_THREE}"])
def test_a_cursor_or_owner_of_unicode_digits_answers_400(client, admin, path):
    response = client.get(path, headers=admin)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "validation_failed"


@pytest.mark.parametrize("path", [f"/staff/tickets?owner={SUPERSCRIPT_THREE}",
                                  f"/staff/tickets/metrics?days={SUPERSCRIPT_THREE}"])
def test_a_staff_page_filter_of_unicode_digits_answers_400(client, people, path):
    people.sign_in(people.staff("admin@example.test", "admin"))
    assert client.get(path).status_code == 400


def test_a_path_id_in_another_script_names_nothing(client, services, people, admin):
    ticket_id = _ticket(services, people.add("ada@example.com", status="locked"))
    assert client.get(f"/api/v1/tickets/{ticket_id}", headers=admin).status_code == 200
    other_script = str(ticket_id).translate({ord(str(d)): chr(0x0660 + d) for d in range(10)})
    assert client.get(f"/api/v1/tickets/{other_script}", headers=admin).status_code == 404


# --- item 2: nesting -------------------------------------------------------------------------------------------

DEEP = "[" * 1000 + "]" * 1000  # 2 KB


def _json_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every API route that takes a body, its ids 1 and its other path parameters "x"."""
    def fill(match: re.Match) -> str:
        return "1" if match.group(1) in {"int", "bigid"} else "x"

    return [(method, re.sub(r"<(?:(\w+):)?\w+>", fill, rule.rule)) for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/") for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"})]


@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_json_nested_1000_deep_never_answers_5xx_on_any_json_endpoint(app, client, people, who):
    headers = people.headers(people.staff("admin@example.test", "admin")) if who == "admin" else {}
    routes = _json_routes(app)
    assert len(routes) > 30
    answers = {(method, path): client.open(path, method=method, data=DEEP, content_type="application/json",
                                           headers=headers).status_code for method, path in routes}
    assert {route: status for route, status in answers.items() if status >= 500} == {}


def test_json_nested_1000_deep_answers_400_to_a_sign_in(client):
    response = client.post("/api/v1/sessions", data=DEEP, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "validation_failed"


def _arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_nested_to_the_limit_is_read_and_one_level_more_is_refused(client):
    within = f'{{"email": "ada@example.com", "extra": {_arrays(MAX_JSON_DEPTH - 1)}}}'  # the object is a level
    beyond = f'{{"email": "ada@example.com", "extra": {_arrays(MAX_JSON_DEPTH)}}}'
    read = client.post("/api/v1/password-resets", data=within, content_type="application/json").get_json()
    refused = client.post("/api/v1/password-resets", data=beyond, content_type="application/json").get_json()
    assert list(read["error"]["fields"]) == ["extra"]  # the body was read: the schema knows no such field
    assert refused["error"]["fields"] == {"_schema": ["The body must be a JSON object."]}


def test_json_nan_and_infinity_are_refused(client):
    for constant in ("NaN", "Infinity", "-Infinity"):
        response = client.post("/api/v1/appeals/status/1.x/rating", data=f'{{"score": {constant}}}',
                               content_type="application/json")
        assert response.status_code == 400


@pytest.mark.parametrize(("text", "deep"), [
    ('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', False),
    ('["\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["]', False),
    ("[]" * 1000, False),
    (_arrays(MAX_JSON_DEPTH), False),
    (_arrays(MAX_JSON_DEPTH + 1), True),
    ("{" * (MAX_JSON_DEPTH + 1), True),
])
def test_nesting_check_counts_brackets_outside_strings(text, deep):
    assert nesting_depth_exceeds(text) is deep


def _best_seconds(text: str, runs: int = 5) -> float:
    """The fastest of a few scans: the least disturbed by whatever else the machine runs."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        assert not nesting_depth_exceeds(text)
        times.append(time.perf_counter() - started)
    return min(times)


def _growth(make, small: int) -> float:
    """How much longer the scan of 8 times the input takes: about 8 when linear, 64 when quadratic. A ratio
    measured in the same run, not a timed ceiling, so a busy machine cannot fail it."""
    return _best_seconds(make(8 * small)) / _best_seconds(make(small))


def test_nesting_check_cost_is_linear_on_a_megabyte():
    # A bracket per character, none nested: the most work for the scan; 1 MB at the top (about 0.15 s).
    assert _growth(lambda n: "[]" * n, 62_500) < 24


@pytest.mark.parametrize("make", [
    lambda n: "[]" * 40 + '"' + '\\"' * n,  # a string never closed, full of escaped quotes: was 11 s (quadratic)
    lambda n: "[]" * 40 + '"' + '\\"' * n + "\\",  # the same ending in a lone backslash
    lambda n: "[]" * 40 + '"\\' * n,  # quotes and backslashes alternating
], ids=["escaped-quotes", "lone-backslash", "alternating"])
def test_nesting_check_cost_stays_linear_on_strings_left_open(make):
    """A hang guard: the quadratic scan took 11 s on 64 KB of these; now about 1 ms."""
    assert _growth(make, 4_000) < 24


# --- item 3: ids beyond their column ----------------------------------------------------------------------------

BEYOND_32, BEYOND_64 = INT32_MAX + 1, INT64_MAX + 1


@pytest.fixture
def parameters_sent(app) -> list:
    """Every parameter of every statement the app sends to the database while the test runs."""
    sent: list = []
    engine = runtime(app).db.engine

    def flatten(value) -> None:
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list | tuple):
            for item in value:
                flatten(item)
        else:
            sent.append(value)

    def record(conn, cursor, statement, parameters, context, executemany):
        flatten(parameters)

    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize(("method", "path", "body", "crafted"), [
    ("get", f"/api/v1/accounts/{BEYOND_32}/sessions", None, BEYOND_32),
    ("delete", f"/api/v1/accounts/{BEYOND_32}/sessions", None, BEYOND_32),
    ("put", f"/api/v1/accounts/{BEYOND_32}/status", {"status": "locked", "reason": "x"}, BEYOND_32),
    ("delete", f"/api/v1/webhooks/{BEYOND_32}", None, BEYOND_32),
    ("get", f"/api/v1/tickets/{BEYOND_64}", None, BEYOND_64),
    ("get", f"/api/v1/alerts/{BEYOND_64}", None, BEYOND_64),
    ("post", f"/api/v1/outbox/{BEYOND_64}/retry", None, BEYOND_64),
    ("get", f"/api/v1/events?user={BEYOND_32}", None, BEYOND_32),
    ("get", f"/api/v1/alerts?user={BEYOND_32}", None, BEYOND_32),
    ("get", f"/api/v1/tickets?owner={BEYOND_32}", None, BEYOND_32),
    ("get", f"/api/v1/outbox?cursor=1.{BEYOND_64}", None, BEYOND_64),
    ("get", f"/api/v1/outbox?cursor={BEYOND_32}.1", None, BEYOND_32),
    ("get", f"/api/v1/alerts?cursor={_b64(f'a{BEYOND_64}')}", None, BEYOND_64),
    ("get", f"/api/v1/events?cursor={_b64(f'2026-03-02T09:00:00+00:00|{BEYOND_64}')}", None, BEYOND_64),
    ("get", f"/api/v1/tickets?cursor={_b64(f'1|2026-03-02T09:00:00+00:00|{BEYOND_64}')}", None, BEYOND_64),
    ("get", f"/api/v1/appeals/status/{BEYOND_64}.abc", None, BEYOND_64),
    ("post", "/api/v1/alerts/1/acknowledge", {"assignee_id": BEYOND_32}, BEYOND_32),
])
def test_an_id_beyond_its_column_never_reaches_the_database(client, admin, parameters_sent, method, path, body,
                                                            crafted):
    response = client.open(path, method=method.upper(), json=body, headers=admin)
    # 400 or 404; a user filter (an id or an email) finds nobody
    assert response.status_code in {400, 404} or response.get_json() in ({"events": [], "next_cursor": None},
                                                                           {"alerts": [], "next_cursor": None})
    assert crafted not in parameters_sent


@pytest.mark.parametrize("path", [f"/staff/accounts/{BEYOND_32}", f"/staff/tickets/{BEYOND_64}",
                                  f"/staff/tickets?owner={BEYOND_32}"])
def test_a_staff_page_with_an_id_beyond_its_column_answers_4xx(client, people, parameters_sent, path):
    people.sign_in(people.staff("admin@example.test", "admin"))
    response = client.get(path)
    assert response.status_code in {400, 404}
    assert BEYOND_32 not in parameters_sent and BEYOND_64 not in parameters_sent


@pytest.fixture
def failing_route(app) -> str:
    """A route whose query fails as the database fails: bad input, no connection, or SQL of ours it cannot run."""
    failures = {"data": DataError("SELECT %(v)s", {"v": "x"}, pg_errors.NumericValueOutOfRange("out of range")),
                "operational": OperationalError("SELECT 1", {}, pg_errors.AdminShutdown("terminating")),
                "programming": ProgrammingError("SELECT nope", {}, pg_errors.UndefinedColumn("no column"))}

    @app.get("/api/v1/test-failure/<kind>")
    def fail(kind: str):
        raise failures[kind]

    return "/api/v1/test-failure"


@pytest.mark.fresh_app  # failing_route adds a route to the app
def test_only_an_unreachable_database_answers_503_with_retry_after(client, failing_route):
    answers = {kind: client.get(f"{failing_route}/{kind}") for kind in ("data", "operational", "programming")}
    assert {kind: response.status_code for kind, response in answers.items()} == {
        "data": 400, "operational": 503, "programming": 500}
    assert [kind for kind, response in answers.items() if "Retry-After" in response.headers] == ["operational"]


@pytest.mark.parametrize(("method", "path", "body"), [
    ("delete", "/api/v1/sessions/%00", None),
    ("put", "/api/v1/accounts/{user}/status", {"status": "locked", "reason": "stolen\x00"}),
    ("post", "/api/v1/appeals", {"email": "ada\x00@example.com", "reason": "other", "message": "x"}),
    ("post", "/api/v1/sessions", {"email": "ada@example.com\x00", "password": "x"}),
    ("get", "/api/v1/events?user=ada%00@example.com", None),
])
def test_nul_answers_400_before_the_database_by_path_body_and_query(client, people, admin, parameters_sent, method,
                                                                     path, body):
    user = people.add("ada@example.com")
    response = client.open(path.format(user=user), method=method.upper(), json=body, headers=admin)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "validation_failed"
    assert not any("\x00" in value for value in parameters_sent if isinstance(value, str))


def test_a_body_of_eighty_thousand_unknown_fields_answers_a_short_400(client):
    body = {str(n): 0 for n in range(80_000)}  # about 940 KB, under the 1 MB limit
    response = client.post("/api/v1/sessions", json=body)
    assert response.status_code == 400
    assert len(response.get_data()) < 2_000
    assert response.get_json()["error"]["code"] == "validation_failed"


def test_a_body_with_a_few_unknown_fields_still_names_each(client):
    response = client.post("/api/v1/sessions", json={"email": "a@example.com", "password": "x" * 20, "extra": 1})
    assert response.status_code == 400 and "extra" in response.get_json()["error"]["fields"]
