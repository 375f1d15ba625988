"""The Alembic migrations produce exactly the models' schema, and apply idempotently up and down."""

import pytest
from sqlalchemy import text

from recovery.db import make_engine
from recovery.migrate import alembic_config, schema_differences, upgrade


def test_migrations_produce_exactly_the_models_schema(database_url):
    assert schema_differences(database_url) == []


def test_init_db_is_idempotent(database_url):
    upgrade(database_url)
    upgrade(database_url)
    assert schema_differences(database_url) == []


def test_migrations_downgrade_to_nothing_and_back(tmp_path):
    from alembic import command

    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    upgrade(url)
    assert schema_differences(url) == []


def test_security_events_refuse_update_and_delete(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            connection.execute(text(
                "INSERT INTO security_events (type, actor_type, details, created_at) "
                "VALUES ('test.append_only', 'system', '{}', CURRENT_TIMESTAMP)"))
            with pytest.raises(Exception, match="append-only"):
                with connection.begin_nested():
                    connection.execute(text("UPDATE security_events SET type = 'x' WHERE type = 'test.append_only'"))
            with pytest.raises(Exception, match="append-only"):
                with connection.begin_nested():
                    connection.execute(text("DELETE FROM security_events WHERE type = 'test.append_only'"))
            transaction.rollback()
    finally:
        engine.dispose()
