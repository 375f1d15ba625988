"""Units of work and fresh reads of a test app's database, outside any request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from sqlalchemy import event, select

from recovery.context import Actor, ServiceContext
from recovery.db import autocommit_twin, watch_plain_statements
from recovery.web.context import app_service_context, runtime


def serial(app) -> AbstractContextManager:
    """The lock a live server holds while it answers (tests/browser/conftest.py): the test app's sessions share one
    connection, so a read from the test thread must not run while the server thread is inside a request."""
    return app.extensions.get("serial_db") or nullcontext()


@contextmanager
def unit_of_work(app, actor: Actor | None = None) -> Iterator[ServiceContext]:
    """Domain operations in one committed unit of work of `app`, as a CLI command would run them."""
    with serial(app), app.app_context(), runtime(app).db.transaction() as session:
        yield app_service_context(app, session, actor)


def rows(app, model, *where, order=None, **by) -> list:
    """Fresh reads of `model` outside any request: `where` clauses and/or column=value pairs, optionally ordered."""
    with serial(app), app.app_context():
        session = runtime(app).db.new_session()
        try:
            query = select(model).where(*where).filter_by(**by)
            return list(session.scalars(query.order_by(order) if order is not None else query))
        finally:
            session.close()


def get(app, model, key):
    """A fresh read of one row by primary key (None when there is none)."""
    with serial(app), app.app_context():
        session = runtime(app).db.new_session()
        try:
            return session.get(model, key)
        finally:
            session.close()




@contextmanager
def statements_sent(app) -> Iterator[list[str]]:
    """The SQL text of every statement `app`'s engine sends through a cursor while the block runs, in order (not
    psycopg's own BEGIN or any COMMIT; SQLite's BEGIN IMMEDIATE is one of them)."""
    sent: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    engine = runtime(app).db.engine
    ours = {engine, autocommit_twin(engine)}
    event.listen(engine, "before_cursor_execute", note)
    # Statements run alone on PostgreSQL go past SQLAlchemy's events (db._Plain): told here instead.
    stop = watch_plain_statements(lambda ran_on, statement, _ms: sent.append(statement) if ran_on in ours else None)
    try:
        yield sent
    finally:
        stop()
        event.remove(engine, "before_cursor_execute", note)
