"""Views and searches counted by several hosts at the same moment: every one is counted (one upsert each), none
is lost and none fails on the first-row race."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from recovery.app import create_app
from recovery.context import Actor
from recovery.help import service
from recovery.help.content import import_content
from recovery.help.models import HelpSearchCount, HelpViewCount
from recovery.web.context import app_service_context, runtime

pytestmark = pytest.mark.concurrency
HOSTS = 4
FIXTURES = Path(__file__).parent / "fixtures" / "content"


def _unit(app, work):
    with app.app_context(), runtime(app).db.transaction() as session:
        return work(app_service_context(app, session, Actor("user", None, "198.51.100.1", "test")))


def test_simultaneous_views_and_searches_are_all_counted(own_database, app_config, clock):
    apps = [create_app({**app_config, "database_url": own_database}, clock=clock) for _ in range(HOSTS)]
    try:
        _unit(apps[0], lambda ctx: import_content(ctx, FIXTURES))
        article_id = _unit(apps[0], lambda ctx: service.get_article_view(ctx.session, "phishing", "en").article_id)
        start = threading.Barrier(HOSTS)

        def count(app) -> None:
            start.wait(timeout=30)
            _unit(app, lambda ctx: service.record_view(ctx, article_id, "en"))
            _unit(app, lambda ctx: service.search_and_count(ctx, "nothing like this", "en"))

        threads = [threading.Thread(target=count, args=(app,)) for app in apps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        views = _unit(apps[0], lambda ctx: ctx.session.scalar(select(HelpViewCount.views)))
        searches = _unit(apps[0], lambda ctx: ctx.session.scalar(select(HelpSearchCount.searches)))
        assert (views, searches) == (HOSTS, HOSTS)
    finally:
        for app in apps:
            runtime(app).db.dispose()
