"""Never a 5xx, whatever arrives (issue 16, "keep it that way"): every JSON endpoint, page and form, found by
walking the URL map, gets arbitrary Unicode (NUL, lone surrogates, other scripts' digits), nesting and sizes in
its path, query string and body, as an anonymous visitor, a signed-in user and staff.

Derandomized and bounded (a fixed number of examples per class of endpoint), so CI sees the same cases every
run; `python3 -m recovery test` runs it on SQLite and on PostgreSQL, where NUL and integer overflow bite.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from functools import partial
from urllib.parse import quote, urlencode

import pytest
from helpers.database import unit_of_work
from helpers.people import People
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recovery.settings import PROJECT_ROOT
from recovery.web.csrf import _sign, cookie_name
from recovery.web.ratelimit import limiter

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Characters that broke or could break parsing: NUL and controls, a lone surrogate, digits of other scripts,
# full-width digits, a right-to-left override, letters whose case changes their length.
SPICE = ["\x00", "\x1f", "\ud800", "\udfff", "\u00b3", "\u0663", "\uff11", "\u202e", "\u0130", "\ufb00", "\ufeff"]
NUMBERS = [0, -1, 1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30]

characters = st.characters(exclude_categories=()) | st.sampled_from(SPICE)  # every code point, surrogates too


def _runs(longest: int) -> st.SearchStrategy[str]:
    """A long run of one character: sizes, cheap to build."""
    return st.builds(lambda piece, count: piece * count, st.sampled_from(["a", "\u00e9", "\x00", "[", "\u00b3"]),
                     st.integers(0, longest))


# Number-like text: ASCII digits mixed with digits of other scripts ("³" passes isdigit() and fails int()).
digits = st.text(st.sampled_from("0123456789.\u00b3\u0663\uff11-+ "), min_size=1, max_size=22)
short = st.text(characters, max_size=24) | st.sampled_from(SPICE + [str(n) for n in NUMBERS]) | digits
# In a URL at most about 2 KB (servers refuse request lines past 4-8 KB); in a body up to 64 KB.
url_text = short | _runs(300)
text = short | _runs(64_000)
scalars = (st.none() | st.booleans() | st.sampled_from(NUMBERS) | st.integers()
           | st.floats(allow_nan=False, allow_infinity=False) | text)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(text, inner, max_size=4), max_leaves=12)
DEPTHS = st.sampled_from([1, 31, 32, 33, 100, 999, 1000, 5000]) | st.integers(0, 3000)
# Raw bodies a JSON encoder would never write: deep nesting, NaN, truncated or non-JSON text.
raw_bodies = st.one_of(
    st.builds(lambda depth: "[" * depth + "]" * depth, DEPTHS),
    st.builds(lambda depth: '{"a":' * depth + "1" + "}" * depth, DEPTHS),
    st.sampled_from(["NaN", '{"score": Infinity}', "[" * 100_000, '"\\ud800"', "1" * 5000, "{", "", "null"]),
    text,
)
QUERY_FIELDS = ["cursor", "days", "email", "macro", "next", "owner", "queue", "status", "category", "type", "user",
                "since", "limit", "code", "source", "min_severity"]
FORM_FIELDS = sorted(set(re.findall(r'name="([a-z_]+)"', " ".join(
    path.read_text(encoding="utf-8") for path in (PROJECT_ROOT / "templates").rglob("*.html")))) - {"csrf_token"})


def _path_value(draw, converter: str | None) -> str:
    if converter in {"int", "bigid"} and draw(st.booleans()):
        return str(draw(st.sampled_from(NUMBERS)))
    return quote(draw(url_text.filter(bool)), safe="", errors="surrogatepass")


def _path(draw, rule) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda match: _path_value(draw, match.group(1)), rule.rule)


def _schema_fields(view, key: str) -> list[str]:
    schema = (getattr(view, "_openapi", None) or {}).get(key)
    if schema is None:
        return []
    schema = schema() if isinstance(schema, type) else schema
    return [field.data_key or name for name, field in schema.fields.items()]


def _routes(app, *, api: bool) -> list[tuple[str, object, object]]:
    """(method, rule, view) for every API route (api=True) or every page and form post (api=False)."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if rule.endpoint == "static" or rule.rule.startswith("/api/") is not api:
            continue
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        found += [(method, rule, app.view_functions[rule.endpoint]) for method in methods]
    return found


def _json_request(draw, method, rule, view) -> dict:
    names = draw(st.lists(st.sampled_from(_schema_fields(view, "query") or ["q"]), max_size=3))
    query = urlencode({name: draw(url_text) for name in names}, errors="surrogatepass")
    request: dict = {"method": method, "path": _path(draw, rule) + ("?" + query if query else "")}
    if method in BODY_METHODS:
        known = _schema_fields(view, "body") or ["x"]
        body = draw(st.dictionaries(st.sampled_from(known) | text, values, max_size=len(known) + 1)
                    | values | raw_bodies.map(lambda raw: ("raw", raw)))
        raw = body[1] if isinstance(body, tuple) else json.dumps(body)  # json.dumps writes \ud800 as an escape
        request.update(data=raw.encode("utf-8", "surrogatepass"), content_type="application/json")
    return request


def _form_request(draw, method, rule, view) -> dict:
    """A form post, or for a page its query string (a filter, a prefilled field, a cursor)."""
    if method not in BODY_METHODS:  # every name a page might read, each present or not, so filters meet
        names = [name for name in QUERY_FIELDS if draw(st.booleans())]
        query = urlencode({name: draw(url_text) for name in names}, errors="surrogatepass")
        return {"method": method, "path": _path(draw, rule) + ("?" + query if query else "")}
    names = draw(st.lists(st.sampled_from(FORM_FIELDS) | text, max_size=6))
    form = {name: draw(text) for name in names}
    return {"method": method, "path": _path(draw, rule), "form": form}


class Visitor:
    """One client as anonymous, user or staff; fresh credentials for each example (an example may sign out)."""

    emails = itertools.count()

    def __init__(self, app, services, role: str | None) -> None:
        self.app, self.role = app, role
        self.client = app.test_client()
        self.people = People(app, services, self.client)
        self.seed = "fuzz-csrf-seed-" + "s" * 32
        with app.test_request_context():
            self.token, self.cookie = _sign(self.seed), cookie_name()

    def credentials(self) -> dict[str, str]:
        self.client.set_cookie(self.cookie, self.seed)  # sign-in and sign-out rotate it; the fuzz keeps one
        if self.role is None:
            return {}
        user_id = self.people.add(f"fuzz{next(self.emails)}@example.test", role=self.role)
        self.people.sign_in(user_id)
        return self.people.headers(user_id)

    def send(self, request: dict, headers: dict[str, str]) -> int:
        if "form" in request:  # encoded here: a lone surrogate goes as the invalid UTF-8 a raw client can send
            form = {**request.pop("form"), "csrf_token": self.token}  # a valid token, so the handler body runs
            request.update(data=urlencode(form, errors="surrogatepass"),
                           content_type="application/x-www-form-urlencoded")
        return self.client.open(headers=headers, **request).status_code


ROLES = {"anonymous": None, "user": "user", "staff": "admin"}
# Per route and role: a few examples, each one request; derandomized, so every CI run sends the same ones.
EXAMPLES_PER_ROUTE = int(os.environ.get("RECOVERY_FUZZ_EXAMPLES", "8"))
FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=EXAMPLES_PER_ROUTE,
                print_blob=True, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture
def fuzz_app(app, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", False)  # limits would answer 429 before most handlers run
    return app


def _fuzz_route(visitor: Visitor, build, method: str, rule, view):
    """A hypothesis test of one route: a few requests as `visitor`, none answering 5xx."""
    headers = visitor.credentials()  # fresh for each route: the one before may have signed out

    @FUZZ
    @given(data=st.data())
    def route_never_answers_5xx(data):
        request = build(data.draw, method, rule, view)
        assert visitor.send(request, headers) < 500, f"{method} {rule.rule}"

    return route_never_answers_5xx


@pytest.mark.parametrize("kind", ["json", "form"])
@pytest.mark.parametrize("who", list(ROLES))
def test_no_input_answers_5xx(fuzz_app, kind, who):
    visitor = Visitor(fuzz_app, partial(unit_of_work, fuzz_app), ROLES[who])
    build = _json_request if kind == "json" else _form_request
    routes = _routes(fuzz_app, api=kind == "json")
    assert len(routes) > 20
    for method, rule, view in routes:
        _fuzz_route(visitor, build, method, rule, view)()
