"""The layout's header, footer and stylesheet links are rendered once per process for what decides them
(recovery/web/layout.py): what a page gets is exactly a fresh render of their templates for its own request,
its path in the language links and its own CSRF token in the sign-out form."""

import pytest
from flask import g, render_template, request, url_for
from markupsafe import escape

from recovery.web.csrf import csrf_token
from recovery.web.layout import NAVIGATION, site_footer, site_header, stylesheets, time_zone_report

PATHS = ["/", "/help", "/appeal/status/1.abc", "/signin", "/a b/é&x=\"1\"?<q>", "/staff/tickets", "/security"]


def _fresh_header(user) -> str:
    endpoint = request.endpoint if request.endpoint in NAVIGATION else ""
    return render_template("_site_header.html", endpoint=endpoint, next_path=request.path,
                           token=csrf_token() if user is not None else None)


@pytest.mark.parametrize("language", ["en", "zh-CN"])
@pytest.mark.parametrize("role", [None, "user", "agent", "admin"])
def test_the_kept_header_is_a_fresh_render_for_every_path_language_and_person(app, people, role, language):
    user = people.user(people.add(f"{role}@example.test", role=role)) if role else None
    headers = {"Accept-Language": language}
    for path in PATHS:  # the first request of each kind fills what is kept; the others read it
        with app.test_request_context(path, headers=headers):
            g.current_user = user
            kept = str(site_header())
            assert kept == str(_fresh_header(user)), path
            if user is not None:
                assert f'name="csrf_token" value="{csrf_token()}"' in kept
            assert "recoverynext" not in kept and "recoverytoken" not in kept


def test_the_language_link_returns_to_the_page_it_was_on(app):
    for path in PATHS:
        with app.test_request_context(path):
            g.current_user = None
            link = url_for("i18n.choose_language", code="zh_Hans", next=request.path)
            assert f'href="{escape(link)}"' in str(site_header())


def test_each_person_gets_their_own_token_and_the_current_place_is_marked(app, people):
    first, second = (people.user(people.add(f"u{n}@example.test")) for n in (1, 2))
    tokens = []
    for user in (first, second):
        with app.test_request_context("/security"):
            g.current_user = user
            header = str(site_header())
            tokens.append(csrf_token())
            assert f'value="{tokens[-1]}"' in header
            assert 'href="/security" aria-current="page"' in header
    assert tokens[0] != tokens[1]
    with app.test_request_context("/help"):
        g.current_user = None
        assert 'aria-current' not in str(site_header())


def test_footer_and_stylesheets_are_their_fresh_render(app):
    for language in ("en", "zh-CN"):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            assert str(site_footer()) == render_template("_site_footer.html")
            assert str(site_footer()) == render_template("_site_footer.html")
            links = str(stylesheets())
            for sheet in ("tokens", "base", "components"):
                assert f'<link rel="stylesheet" href="{url_for("static", filename=f"css/{sheet}.css")}">' in links
    with app.test_request_context("/", base_url="http://localhost/mounted"):
        assert 'href="/mounted/static/css/base.css"' in str(stylesheets())
        assert 'href="/mounted/"' in str(site_footer()) or 'href="/mounted/#help"' in str(site_footer())


def test_a_whole_page_carries_the_kept_pieces(client):
    page = client.get("/help", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert page.count('<header class="site">') == 1 and page.count('<footer class="site">') == 1
    assert 'href="/language/en?next=/help"' in page and 'lang="zh-Hans"' in page


def test_the_time_zone_report_is_a_fresh_render_with_the_requests_token_until_the_zone_is_known(app, client):
    for _ in range(2):
        with app.test_request_context("/help"):
            g.current_user = None
            report = str(time_zone_report())
            assert report == render_template("_time_zone.html", token=csrf_token())
            assert 'data-known=""' in report and f'value="{csrf_token()}"' in report
    with app.test_request_context("/help", headers={"Cookie": "recovery_tz=Asia/Shanghai"}):
        g.current_user = None
        assert str(time_zone_report()) == ""
    with app.test_request_context("/signin"):  # a page that carries no script
        g.current_user = None
        assert str(time_zone_report()) == ""


def test_a_path_naming_a_placeholder_is_shown_as_typed(app, people):
    from recovery.web import layout

    user = people.user(people.add("placeholder@example.test"))
    path = f"/help/{layout._TOKEN}/{layout._NEXT}"
    with app.test_request_context(path):
        g.current_user = user
        header = str(site_header())
        link = url_for("i18n.choose_language", code="zh_Hans", next=request.path)
        assert f'href="{escape(link)}"' in header  # the path's text, not a token put in its place
        assert header.count(csrf_token()) == 1  # only in the sign-out form
