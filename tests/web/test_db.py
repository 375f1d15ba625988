"""The database seam: a read-only transaction can be released before slow work; a written one never is."""

import os

import pytest
from sqlalchemy import select, text

from recovery.accounts.models import User
from recovery.db import release_if_unwritten
from recovery.events.service import record_event


def test_release_ends_a_transaction_that_only_read(app, services):
    with services() as ctx:
        ctx.session.scalars(select(User).limit(1)).all()
        assert ctx.session.in_transaction()
        release_if_unwritten(ctx.session)
        assert not ctx.session.in_transaction()


def test_release_keeps_a_transaction_with_pending_or_flushed_writes(app, services):
    with services() as ctx:
        record_event(ctx, "test.pending", user_id=None)
        release_if_unwritten(ctx.session)
        assert ctx.session.in_transaction() and ctx.session.new
        ctx.session.flush()
        release_if_unwritten(ctx.session)
        assert ctx.session.in_transaction()
        ctx.session.rollback()


@pytest.mark.skipif(os.environ.get("RECOVERY_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="SQLite pragmas")
def test_sqlite_files_are_in_wal_mode_with_foreign_keys(services):
    with services() as ctx:
        assert ctx.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert ctx.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
