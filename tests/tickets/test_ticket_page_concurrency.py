"""The ticket page's rows written by many requests at once (real threads, the real database): a staff member's
presence and draft stay one row each, whoever inserts first, and no request fails."""

from __future__ import annotations

import threading

import pytest
from helpers.people import add_user
from helpers.races import read, separate_apps
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recovery.accounts.models import User
from recovery.context import Actor
from recovery.tickets import drafts, presence, service
from recovery.tickets.models import Ticket, TicketDraft, TicketViewer
from recovery.web.context import app_service_context, runtime

pytestmark = pytest.mark.concurrency
THREADS, APPS = 8, 4


@pytest.fixture
def apps(own_database, app_config, clock):
    with separate_apps(own_database, app_config, clock, APPS) as made:
        yield made


def _ticket_and_agent(app) -> tuple[int, int]:
    ada = add_user(app, "ada@example.com", status="locked").id
    agent = add_user(app, "agent@example.com", role="agent").id
    with app.app_context(), runtime(app).db.transaction() as session:
        ctx = app_service_context(app, session)
        return service.open_ticket(ctx, category="unblock_appeal", user_id=ada, subject="s", message="m",
                                   source="appeal").id, agent


def _all_insert_together(monkeypatch) -> None:
    """On PostgreSQL, every thread finds no row and then inserts at once (the race keep_one settles): each waits
    at its first savepoint until all are there. SQLite's BEGIN IMMEDIATE runs the transactions one at a time."""
    barrier, seen = threading.Barrier(THREADS), threading.local()
    real = Session.begin_nested

    def begin_nested(self):
        if self.get_bind().dialect.name == "postgresql" and not getattr(seen, "waited", False):
            seen.waited = True
            barrier.wait(timeout=30)
        return real(self)

    monkeypatch.setattr(Session, "begin_nested", begin_nested)


def test_parallel_page_loads_and_draft_saves_keep_one_row_each(apps, monkeypatch):
    ticket_id, agent_id = _ticket_and_agent(apps[0])
    _all_insert_together(monkeypatch)
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def work(n: int) -> None:
        app = apps[n % APPS]
        start.wait()
        try:
            with app.app_context(), runtime(app).db.transaction() as session:
                ctx = app_service_context(app, session, Actor("staff", agent_id, "198.51.100.7"))
                ticket, agent = session.get(Ticket, ticket_id), session.get(User, agent_id)
                presence.see(ctx, ticket, agent)
                drafts.save_draft(ctx, ticket, agent, "reply", f"draft {n}")
        except BaseException as exc:  # noqa: BLE001  (any failure is the finding)
            failures.append(exc)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert failures == []
    assert read(apps[0], select(func.count()).select_from(TicketViewer)) == 1
    assert read(apps[0], select(func.count()).select_from(TicketDraft)) == 1
    assert read(apps[0], select(TicketDraft.body)).startswith("draft ")
