"""What is parsed before any view runs, with a bounded cost: ids in paths and JSON bodies."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter

from recovery.numbers import parse_id

# No request body of ours nests more than a few levels; the parser recurses once per level (Python's limit is
# about 1,000, reached by a 2 KB body), and so does everything that walks the result.
MAX_JSON_DEPTH = 32
# A string (skipped whole, so brackets inside it do not count) or one bracket. Possessive, and a string left
# open runs to the end: every match attempt succeeds without giving anything back, so the scan is linear. (The
# first pattern failed on an unclosed string and started again at the next quote: `"\\"` repeated made it
# quadratic, 11 s for 64 KB, a stalled worker; the outside review of round 2.)
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)|[\[\]{}]', re.DOTALL)
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class IdConverter(BaseConverter):
    """`<int:name>`: the id of a row in an INTEGER column, in ASCII digits; out of its range, a 404."""

    regex = r"[0-9]{1,19}"
    weight = 50
    big = False

    def to_python(self, value: str) -> int:
        parsed = parse_id(value, big=self.big)
        if parsed is None:
            # NotFound, not ValidationError: the latter lets the matcher go on to this path's other methods and
            # answer 405 for a DELETE whose id is out of range.
            raise NotFound()
        return parsed

    def to_url(self, value: Any) -> str:
        return str(int(value))


class BigIdConverter(IdConverter):
    """`<bigid:name>`: the id of a row in a BIGINT column (events, outbox, alerts, tickets)."""

    big = True


def nesting_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON text opens more than `limit` arrays or objects inside one another; linear in its length."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        depth += _DEPTH_STEP.get(match.group(), 0)  # a string steps nowhere
        if depth > limit:
            return True
    return False


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing (ValueError, so a 400) bodies nested too deeply and the non-JSON NaN and Infinity."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        text = s.decode(json.detect_encoding(s), "surrogatepass") if isinstance(s, bytes | bytearray) else s
        if nesting_depth_exceeds(text):
            raise ValueError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep")
        kwargs.setdefault("parse_constant", _refuse_constant)
        return json.loads(text, **kwargs)


def init_input_parsers(app: Flask) -> None:
    """Before the blueprints: their rules bind the converters when they are added."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["bigid"] = BigIdConverter
    app.json = BoundedJSONProvider(app)
