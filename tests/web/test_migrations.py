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


def test_second_factor_flag_backfill_counts_every_active_authenticator(tmp_path):
    """0010 sets users.second_factor_at for every account with an active authenticator, confirmed time or not;
    a pending one is no second factor."""
    url = f"sqlite:///{tmp_path / 'backfill.db'}"
    for head in ("0008_account_restrictions", "0009_mfa_attempts", "0007", "0008_ticket_containment", "0002"):
        upgrade(url, head)  # every head but 0010
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for user_id in (1, 2, 3):
                connection.execute(text(
                    "INSERT INTO users (id, email, password_hash, password_changed_at, role, status, locale, "
                    "created_at) VALUES (:id, :email, 'h', '2026-01-01 00:00:00', 'user', 'active', 'en', "
                    "'2026-01-01 00:00:00')"), {"id": user_id, "email": f"u{user_id}@example.com"})
            for user_id, state, confirmed in ((1, "active", "2026-01-02 00:00:00"), (2, "active", None),
                                              (3, "pending", None)):
                connection.execute(text(
                    "INSERT INTO mfa_totp (user_id, state, secret_ciphertext, last_used_step, created_at, "
                    "confirmed_at) VALUES (:user_id, :state, 'x', 0, '2026-01-01 00:00:00', :confirmed)"),
                    {"user_id": user_id, "state": state, "confirmed": confirmed})
        upgrade(url)
        with engine.connect() as connection:
            flags = dict(connection.execute(text("SELECT id, second_factor_at FROM users")).all())
    finally:
        engine.dispose()
    assert flags[1] is not None and flags[2] is not None and flags[3] is None
