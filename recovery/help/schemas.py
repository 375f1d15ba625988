"""marshmallow schemas of the help centre's pages and API."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from recovery.help.models import LANGUAGES
from recovery.help.text import MAX_QUERY_CHARS


class _In(Schema):
    class Meta:
        unknown = EXCLUDE


class SearchQuery(_In):
    q = fields.String(required=True, validate=validate.Length(min=1, max=MAX_QUERY_CHARS))
    lang = fields.String(load_default="en", validate=validate.OneOf(LANGUAGES))


class PageSearchQuery(_In):
    """The search box of /help/search: an empty box shows the help centre again."""

    q = fields.String(load_default="", validate=validate.Length(max=MAX_QUERY_CHARS))


class ArticlesQuery(_In):
    lang = fields.String(load_default="en", validate=validate.OneOf(LANGUAGES))


class FeedbackBody(_In):
    helpful = fields.String(required=True, validate=validate.OneOf(("yes", "no")))
    reason = fields.String(load_default=None, validate=validate.Length(max=500))
    lang = fields.String(load_default="en", validate=validate.OneOf(LANGUAGES))


class DraftBody(_In):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    summary = fields.String(required=True, validate=validate.Length(min=1, max=500))
    keywords = fields.String(load_default="", validate=validate.Length(max=500))
    body = fields.String(required=True, validate=validate.Length(min=1, max=50_000))
    based_on = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    intent = fields.String(load_default="save", validate=validate.OneOf(("save", "preview", "publish")))


class HitOut(Schema):
    slug = fields.String()
    title = fields.String()
    summary = fields.String()
    url = fields.String()


class SearchOut(Schema):
    items = fields.List(fields.Nested(HitOut))


class ArticleOut(HitOut):
    lang = fields.String()
    category = fields.String()


class ArticlesOut(Schema):
    items = fields.List(fields.Nested(ArticleOut))
