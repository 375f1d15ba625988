"""The content team's console: who may open it (content and admin; never an agent), and who the content role
may not reach (tickets, accounts, alerts, everyone's events); drafts, preview without saving, publish,
revision history and restore; the report of top, unhelpful and unanswered."""

from __future__ import annotations

import pytest
from helpers.csrf import csrf_from

from recovery.events.service import record_event
from recovery.help import editing, service
from recovery.help.models import HelpRevision, HelpTranslation
from recovery.help.search import search_articles

EDIT = "/staff/help/forgot-password/en"


@pytest.fixture
def editor(people, client) -> int:
    user = people.add("editor@example.com", role="content")
    people.sign_in(user)
    return user


@pytest.mark.parametrize("role", ["user", "agent", "security"])
def test_only_the_content_team_and_admins_open_the_console(people, client, articles, role):
    people.sign_in(people.add(f"{role}@example.test", role=role))
    for path in ("/staff/help", EDIT, "/staff/help/report", f"{EDIT}/history", "/staff/help/revisions/1"):
        assert client.get(path).status_code == 403, path
    assert client.post(EDIT, data={"csrf_token": csrf_from(client.get("/help").get_data(as_text=True)),
                                   **TEXT}).status_code == 403


@pytest.mark.parametrize("role", ["content", "admin"])
def test_content_and_admin_open_the_console(people, client, articles, role):
    people.sign_in(people.add(f"{role}@example.test", role=role))
    for path in ("/staff/help", EDIT, "/staff/help/report", f"{EDIT}/history"):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("path", ["/staff/", "/staff/tickets", "/staff/tickets/metrics", "/staff/alerts",
                                  "/staff/events", "/staff/outbox"])
def test_the_content_role_reaches_no_support_or_security_console(people, editor, client, path):
    assert client.get(path).status_code == 403


def test_the_content_role_reads_only_its_own_events(people, client, services, ada):
    with services() as ctx:
        record_event(ctx, "account.password.reset", user_id=ada)
    agent, editor = people.add("agent@example.com", role="agent"), people.add("editor@example.com", role="content")
    seen_by_agent = client.get(f"/api/v1/events?user={ada}", headers=people.headers(agent)).get_json()["events"]
    assert [event["user_id"] for event in seen_by_agent] == [ada]
    seen_by_editor = client.get(f"/api/v1/events?user={ada}", headers=people.headers(editor)).get_json()["events"]
    assert all(event.get("user_id") != ada for event in seen_by_editor)


def test_the_staff_navigation_shows_the_help_console_to_its_team_only(people, client, editor, articles):
    html = client.get("/staff/help").get_data(as_text=True)
    assert 'href="/staff/help"' in html and 'href="/staff/tickets"' not in html
    people.sign_in(people.add("agent@example.com", role="agent"))
    assert 'href="/staff/help"' not in client.get("/staff/tickets").get_data(as_text=True)


def _post(client, path, **fields):
    html = client.get(path).get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_from(html), **fields})


TEXT = {"title": "Forgot your password?", "summary": "A new summary.", "keywords": "forgot, password",
        "body": "## Steps\n\nUse the **zanzibar** page."}


def test_preview_renders_without_saving(client, editor, people, articles):
    page = _post(client, EDIT, intent="preview", **TEXT)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<strong>zanzibar</strong>" in html
    assert all(r.source == "import" for r in people.rows(HelpRevision))


def test_a_draft_is_not_shown_until_published(client, editor, people, services, articles):
    assert _post(client, EDIT, intent="save", **TEXT).status_code == 303
    assert "zanzibar" not in client.get("/help/forgot-password").get_data(as_text=True)
    assert "zanzibar" in client.get(EDIT).get_data(as_text=True)  # the editor opens the draft
    assert _post(client, EDIT, intent="publish", **TEXT).status_code == 303
    assert "Forgot your password?" in client.get("/help/forgot-password").get_data(as_text=True)
    with services() as ctx:
        assert [h.slug for h in search_articles(ctx.session, "zanzibar", "en")] == ["forgot-password"]
    published = [r for r in people.rows(HelpRevision) if r.source == "console" and r.state == "published"]
    assert len(published) == 1 and published[0].published_by_id == editor


def test_an_edit_over_someone_elses_newer_save_is_refused(client, editor, services, articles):
    html = client.get(EDIT).get_data(as_text=True)
    with services() as ctx:
        editing.save_draft(ctx, "forgot-password", "en", TEXT, author_id=None)
    stale = client.post(EDIT, data={"csrf_token": csrf_from(html), "intent": "save",
                                    "based_on": html.split('name="based_on" value="')[1].split('"')[0], **TEXT})
    assert stale.status_code == 409 and "Someone saved this article" in stale.get_data(as_text=True)


def test_invalid_draft_answers_field_messages(client, editor, articles):
    page = _post(client, EDIT, intent="save", title="", summary="s", body="b")
    assert page.status_code == 400 and 'aria-invalid="true"' in page.get_data(as_text=True)


def test_history_views_an_old_revision_and_restores_it_as_a_draft(client, editor, people, articles):
    _post(client, EDIT, intent="publish", **TEXT)
    history = client.get(f"{EDIT}/history").get_data(as_text=True)
    imported = min(r.id for r in people.rows(HelpRevision) if r.source == "import"
                   and r.title == "I forgot my password")
    assert f"/staff/help/revisions/{imported}" in history
    old = client.get(f"/staff/help/revisions/{imported}").get_data(as_text=True)
    assert "I forgot my password" in old
    restored = client.post(f"/staff/help/revisions/{imported}/restore", data={"csrf_token": csrf_from(old)})
    assert restored.status_code == 303 and restored.headers["Location"] == EDIT
    newest = max(people.rows(HelpRevision), key=lambda r: r.id)
    assert (newest.title, newest.state, newest.author_id) == ("I forgot my password", "draft", editor)
    assert "Forgot your password?" in client.get("/help/forgot-password").get_data(as_text=True)  # still live


def test_a_translation_can_be_written_for_the_missing_language(app, client, editor, people, articles):
    path = "/staff/help/phishing/zh"
    assert "这篇文章还没有此语言的内容" not in client.get(path).get_data(as_text=True)  # staff pages in English
    _post(client, path, intent="publish", title="我们绝不会索要验证码", summary="任何人索要验证码都是诈骗。",
          body="不要回复。")
    reader = app.test_client()
    assert "我们绝不会索要验证码" in reader.get("/help/phishing", headers={"Accept-Language": "zh"}).get_data(
        as_text=True)


def test_report_lists_top_unhelpful_and_searches_that_found_nothing(client, editor, services, articles):
    with services() as ctx:
        for _ in range(3):
            service.record_view(ctx, _article_id(ctx, "lost-phone"), "en")
        service.record_view(ctx, _article_id(ctx, "phishing"), "en")
        service.record_feedback(ctx, "phishing", "en", helpful=False, reason="Too short")
        service.record_feedback(ctx, "phishing", "en", helpful=True, reason=None)
        service.search_and_count(ctx, "quantum banana", "en")
        service.search_and_count(ctx, "lost phone", "en")
    html = client.get("/staff/help/report").get_data(as_text=True)
    top = html.split("Most read articles")[1].split("Articles rated unhelpful")[0]
    assert top.index("lost-phone") < top.index("phishing") and "3 views" in top
    assert "Too short" in html and "1 unhelpful" in html
    gaps = html.split('id="gaps-heading"')[1]
    assert "quantum banana" in gaps and "lost phone" not in gaps


def _article_id(ctx, slug: str) -> int:
    return editing.get_article(ctx, slug).id


def test_edited_translation_is_marked_as_the_consoles(client, editor, people, articles):
    _post(client, EDIT, intent="save", **TEXT)
    marked = {(r.article_id, r.lang) for r in people.rows(HelpTranslation) if r.edited_in_console}
    assert len(marked) == 1
