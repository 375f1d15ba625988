"""Both languages: chosen from Accept-Language or the switcher, and no string left untranslated."""

import pytest

from recovery.web.catalogs import extract_messages, missing_translations
from recovery.web.i18n import match_locale


def test_start_page_in_english_by_default(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Keep your account safe" in html


def test_start_page_in_chinese_for_a_chinese_browser(client):
    html = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html
    assert "保护您的账号安全" in html
    assert "Keep your account safe" not in html


def test_language_switcher_sets_a_cookie_that_wins_over_the_browser(client):
    response = client.get("/language/zh_Hans?next=/")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "保护您的账号安全" in html


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example",
                                    "/\t/evil.example", "/\n/evil.example"])
def test_language_switcher_never_redirects_off_site(client, target):
    response = client.get("/language/en", query_string={"next": target})
    assert response.headers.get("Location", "/") == "/"  # a control character in it is refused (400) outright


def test_api_errors_are_translated_too(client):
    body = client.get("/api/v1/no-such-thing", headers={"Accept-Language": "zh-CN"}).get_json()
    assert body["error"]["code"] == "not_found"
    assert body["error"]["message"] == "找不到您请求的内容。"


@pytest.mark.parametrize("tag, expected", [("zh-CN", "zh_Hans"), ("zh-Hans", "zh_Hans"), ("zh-TW", "zh_Hans"),
                                           ("en-GB", "en"), ("fr", None), ("", None)])
def test_match_locale_maps_language_tags(tag, expected):
    assert match_locale(tag) == expected


def test_every_string_a_person_sees_has_a_chinese_translation():
    assert len(extract_messages()) > 30
    missing = missing_translations("zh_Hans")
    assert missing == {}, "untranslated (run `flask --app wsgi recovery i18n-missing`): " + ", ".join(
        f"{msgid!r} at {where[0]}" for msgid, where in list(missing.items())[:20])


def test_templates_follow_a_forced_locale_and_return_to_the_request_one(app):
    """The request's catalog is remembered per selected locale: an email in the recipient's language in the
    middle of a Chinese request is English, and the page after it is Chinese again."""
    from flask import render_template_string
    from flask_babel import force_locale

    source = '{{ _("Support queue") }}'
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        before = render_template_string(source)
        with force_locale("en"):
            forced = render_template_string(source)
        after = render_template_string(source)
    assert forced == "Support queue"
    assert before == after != forced
