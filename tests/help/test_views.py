"""The help centre's pages and API: categories and articles in the page's language, the other language with a
plain note, search results, "Was this helpful?" without JavaScript, the JSON API validated and counted."""

from __future__ import annotations

from helpers.csrf import csrf_from
from helpers.errors import error_code

from recovery.help.actions import ACTIONS, action_link
from recovery.help.models import HelpFeedback, HelpSearchCount, HelpViewCount

ZH = {"Accept-Language": "zh-CN"}


def test_index_lists_categories_and_articles_in_the_page_language(client, articles):
    english = client.get("/help").get_data(as_text=True)
    assert "Signing in" in english and "I forgot my password" in english and 'action="/help/search"' in english
    chinese = client.get("/help", headers=ZH).get_data(as_text=True)
    assert "登录" in chinese and "忘记密码" in chinese and "I forgot my password" not in chinese
    assert 'lang="en"' in chinese and "We never ask for your codes" in chinese  # only in English, marked so


def test_article_renders_sanitised_markdown_with_its_action_buttons(client, articles):
    page = client.get("/help/hacked-account")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Someone else is using my account</h1>" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html  # raw HTML in Markdown is text
    assert 'rel="noopener noreferrer nofollow"' in html
    assert 'class="button" href="/secure-account"' in html and 'href="/appeal"' in html


def test_article_in_the_other_language_says_so(client, articles):
    html = client.get("/help/phishing", headers=ZH).get_data(as_text=True)
    assert "We never ask for your codes" in html and "此文章暂无中文版本" in html


def test_unknown_article_is_404(client, articles):
    assert client.get("/help/no-such-article").status_code == 404


def test_views_are_counted_per_language(client, people, articles):
    client.get("/help/forgot-password")
    client.get("/help/forgot-password", headers=ZH)
    client.get("/help/forgot-password", headers=ZH)
    counts = {row.lang: row.views for row in people.rows(HelpViewCount)}
    assert counts == {"en": 1, "zh": 2}


def test_search_page_lists_hits_and_counts_the_search(client, people, articles):
    html = client.get("/help/search?q=lost+phone").get_data(as_text=True)
    assert "I lost my phone or authenticator app" in html
    client.get("/help/search?q=quantum+banana")
    client.get("/help/search?q=Quantum++Banana")
    gaps = {(row.query, row.results, row.searches) for row in people.rows(HelpSearchCount)}
    assert ("quantum banana", 0, 2) in gaps and ("lost phone", 1, 1) in gaps
    assert client.get("/help/search?q=").status_code == 302
    assert client.get("/help/search?q=" + "x" * 201).status_code == 400


def test_feedback_is_recorded_without_javascript(client, people, articles):
    html = client.get("/help/forgot-password").get_data(as_text=True)
    response = client.post("/help/forgot-password/feedback", data={
        "csrf_token": csrf_from(html), "helpful": "no", "reason": "It does not say what to do without email",
        "lang": "en"})
    assert response.status_code == 303 and response.headers["Location"].endswith("thanks=1#feedback")
    assert "Thank you for your answer." in client.get(response.headers["Location"]).get_data(as_text=True)
    [row] = people.rows(HelpFeedback)
    assert (row.helpful, row.lang, row.reason) == (False, "en", "It does not say what to do without email")


def test_feedback_needs_csrf_and_a_valid_answer(client, people, articles):
    assert client.post("/help/forgot-password/feedback", data={"helpful": "yes"}).status_code == 400
    html = client.get("/help/forgot-password", headers=ZH).get_data(as_text=True)
    bad = client.post("/help/forgot-password/feedback", headers=ZH,
                      data={"csrf_token": csrf_from(html), "helpful": "maybe"})
    assert bad.status_code == 400 and "有用吗" in bad.get_data(as_text=True)
    assert people.rows(HelpFeedback) == []


def test_api_search_answers_items_best_first(client, articles):
    body = client.get("/api/v1/help/search?q=号被盗了&lang=zh").get_json()
    assert body["items"][0] == {"slug": "hacked-account", "title": "我的账号被别人使用了",
                                "summary": "立即保护你的账号；我们会退出所有登录，由你设置新密码。",
                                "url": "/help/hacked-account"}


def test_api_search_validates_with_translated_messages(client, articles):
    missing = client.get("/api/v1/help/search?lang=zh", headers=ZH)
    assert missing.status_code == 400 and error_code(missing) == "validation_failed"
    [message] = missing.get_json()["error"]["fields"]["q"]
    assert message and all(not ("a" <= c.lower() <= "z") for c in message), message  # in Chinese
    assert client.get("/api/v1/help/search?q=x&lang=fr").status_code == 400


def test_api_lists_published_articles_in_a_language(client, articles):
    items = client.get("/api/v1/help/articles?lang=zh").get_json()["items"]
    by_slug = {item["slug"]: item for item in items}
    assert by_slug["forgot-password"]["title"] == "忘记密码" and by_slug["forgot-password"]["lang"] == "zh"
    assert by_slug["phishing"]["lang"] == "en" and by_slug["phishing"]["url"] == "/help/phishing"


def test_action_links_name_each_flow_in_the_request_language(app):
    with app.test_request_context(headers=ZH):
        assert action_link("reset") == ("重置密码", "/forgot")
        assert action_link("secure")[1] == "/secure-account" and action_link("contact")[1] == "/contact"
        assert all(action_link(name)[1].startswith("/") for name in ACTIONS)


def test_every_action_is_a_page_of_this_app(app):
    """Each button leads to a registered page (the path is only a fallback for an app built without it)."""
    assert [name for name, action in ACTIONS.items() if action.endpoint not in app.view_functions] == []
    with app.test_request_context():
        assert [action_link(n)[1] for n in ("contact", "assistant", "start")] == ["/contact", "/help/assistant",
                                                                                   "/help/start"]
