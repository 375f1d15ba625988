"""The one parser of numbers and ids from untrusted text: ASCII digits only, within the range of the column."""

from __future__ import annotations

import re

from marshmallow import fields

# The ranges of the database's integer columns: an id outside them is unknown, and never reaches the database
# (PostgreSQL refuses 2**31 for an INTEGER and 2**63 for a BIGINT; SQLite's driver raises OverflowError).
INT16_MAX = 2**15 - 1
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
# str.isdigit() and int() both accept other scripts' digits ("³" passes the first and fails the second; "٣" is
# 3 to both), and int() also takes "+1", " 1" and "1_0". Only what we print is read back.
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_int(text: object, *, low: int = 0, high: int = INT64_MAX) -> int | None:
    """The number `text` spells in ASCII digits when it lies within [low, high]; otherwise None."""
    if not isinstance(text, str) or not _ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_id(text: object, *, big: bool = False) -> int | None:
    """A row id (1..2**31-1, or 1..2**63-1 for a BIGINT column) spelled in ASCII digits; otherwise None."""
    return parse_int(text, low=1, high=INT64_MAX if big else INT32_MAX)


def is_id(value: object, *, big: bool = False) -> bool:
    """Whether an integer already parsed (a JSON number) is a possible row id of such a column."""
    return type(value) is int and 1 <= value <= (INT64_MAX if big else INT32_MAX)


class Id(fields.Integer):
    """A marshmallow field for a row id in a body or query string: an integer or its ASCII digits, in range
    (anything else is "Not a valid integer.")."""

    def __init__(self, *, big: bool = False, **kwargs) -> None:
        super().__init__(strict=False, **kwargs)
        self.big = big

    def _validated(self, value):
        parsed = value if is_id(value, big=self.big) else parse_id(value, big=self.big)
        if parsed is None:
            raise self.make_error("invalid")
        return parsed
