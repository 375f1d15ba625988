"""Security headers on every response (recovery/web/headers.py): the defaults added where a view set none,
the referrer and cache rules always."""

from dataclasses import replace

from flask import Response

from recovery.web.context import runtime
from recovery.web.headers import CSP, _apply, mark_token_page


def _headers(app, path="/", own=(), https=False, token_page=False):
    rt = runtime(app)
    settings = rt.settings
    rt.settings = replace(settings, base_url="https://recovery.example" if https else "http://127.0.0.1:5000")
    try:
        with app.test_request_context(path):
            if token_page:
                mark_token_page()
            response = Response("x")
            for name, value in own:
                response.headers[name] = value
            return _apply(response).headers
    finally:
        rt.settings = settings


def test_defaults_are_added_once_and_a_views_own_choice_is_kept(app):
    headers = _headers(app, own=[("X-Frame-Options", "SAMEORIGIN"), ("Cache-Control", "max-age=60"),
                                 ("Referrer-Policy", "unsafe-url")])
    assert headers.getlist("Content-Security-Policy") == [CSP]
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers.getlist("X-Content-Type-Options") == ["nosniff"]
    assert headers.getlist("Cross-Origin-Opener-Policy") == ["same-origin"]
    assert headers.getlist("Cache-Control") == ["no-store"]  # never cached, whatever the view said
    assert headers.getlist("Referrer-Policy") == ["same-origin"]
    assert "Strict-Transport-Security" not in headers


def test_token_pages_send_no_referrer_static_files_may_be_cached_and_https_adds_hsts(app):
    assert _headers(app, token_page=True)["Referrer-Policy"] == "no-referrer"
    assert "Cache-Control" not in _headers(app, path="/static/css/base.css")
    hsts = _headers(app, https=True).getlist("Strict-Transport-Security")
    assert hsts == ["max-age=63072000; includeSubDomains"]
