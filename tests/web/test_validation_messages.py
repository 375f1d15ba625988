"""marshmallow's messages reach a person in their language: the plain ones through the catalog, the formatted
ones ("Length must be between 1 and 5000.") recognised by their template's shape and reworded with the numbers
kept (ngettext where a count decides the wording); a choice list's internal codes are never repeated back."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from marshmallow import Schema, ValidationError, fields, validate

from recovery.web.errors import translate_fields

CJK = re.compile(r"[\u4e00-\u9fff]")


class Everything(Schema):
    """One field per kind of message marshmallow formats or gives, as our schemas use them."""

    between = fields.String(validate=validate.Length(min=1, max=5000))
    at_least = fields.String(validate=validate.Length(min=15))
    at_most = fields.String(validate=validate.Length(max=1))
    exactly = fields.String(validate=validate.Length(equal=6))
    number = fields.Integer(validate=validate.Range(min=1, max=200))
    low = fields.Integer(validate=validate.Range(min=1))
    high = fields.Integer(validate=validate.Range(max=4))
    open_range = fields.Integer(validate=validate.Range(min=0, min_inclusive=False))
    choice = fields.String(validate=validate.OneOf(["email_button", "staff_console"]))
    pattern = fields.String(validate=validate.Regexp(r"^\d+$"))
    required = fields.String(required=True)
    null = fields.String(allow_none=False)
    integer = fields.Integer()
    boolean = fields.Boolean()
    when = fields.AwareDateTime()
    day = fields.Date()
    email = fields.Email()
    items = fields.List(fields.String())
    mapping = fields.Dict()
    ratio = fields.Float()


BAD = {"between": "", "at_least": "short", "at_most": "xx", "exactly": "123", "number": 0, "low": 0, "high": 9,
       "open_range": 0, "choice": "other", "pattern": "abc", "null": None, "integer": "x", "boolean": "maybe",
       "when": "2026-01-01T00:00:00", "day": "nope", "email": "nope", "items": "x", "mapping": "x",
       "ratio": "nan", "unknown_key": 1}


@pytest.fixture
def messages(app) -> dict:
    with pytest.raises(ValidationError) as caught:
        Everything().load(BAD)
    return caught.value.messages


def _translated(app, messages: dict, locale: str) -> dict:
    with app.test_request_context(), force_locale(locale):
        return translate_fields(messages)


def test_every_marshmallow_message_reads_in_chinese(app, messages):
    assert {"between", "choice", "required", "unknown_key", "ratio"} <= set(messages)
    for field, texts in _translated(app, messages, "zh_Hans").items():
        for text in texts:
            assert CJK.search(text), (field, text)
            assert not re.search(r"[A-Za-z]{4,}", text.replace("UUID", "")), (field, text)


def test_formatted_messages_keep_their_numbers_and_read_plainly_in_english(app, messages):
    english = _translated(app, messages, "en")
    assert english["between"] == ["Enter between 1 and 5000 characters."]
    assert english["at_least"] == ["Enter at least 15 characters."]
    assert english["at_most"] == ["Enter at most 1 character."]  # the singular form
    assert english["exactly"] == ["Enter exactly 6 characters."]
    assert english["number"] == ["Enter a number from 1 to 200."]
    assert english["choice"] == ["Choose one of the options offered."]
    chinese = _translated(app, messages, "zh_Hans")
    assert chinese["between"] == ["请输入 1 到 5000 个字符。"] and chinese["at_most"] == ["最多只能输入 1 个字符。"]


def test_choice_codes_are_never_repeated_back(app, messages):
    for locale in ("en", "zh_Hans"):
        assert "email_button" not in str(_translated(app, messages, locale))


def test_a_form_page_shows_the_length_message_in_chinese(client, csrf):
    client.get("/language/zh_Hans")
    response = client.post("/appeal", data={"csrf_token": csrf("/appeal"), "email": "ada@example.com",
                                            "reason": "banned_by_mistake", "message": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Length must be" not in html
    assert "请输入 1 到 5000 个字符。" in html
