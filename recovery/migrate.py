"""Applying and checking the Alembic migrations from code (init-db, tests, the embedded start)."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from recovery.db import make_engine
from recovery.models import metadata
from recovery.settings import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Idempotent: applies only what the database has not seen.

    Each capability's revision branches from the foundation (0001), so independent capabilities never
    conflict over one linear chain; "heads" applies every branch.
    """
    command.upgrade(alembic_config(database_url), revision)


# Tables a migration makes per database and no model describes: the help centre's full-text index (an FTS5
# virtual table and its shadow tables on SQLite, a tsvector table on PostgreSQL; recovery/help/index.py).
UNMODELLED_PREFIXES = ("help_fts",)


def _modelled(name, type_, parent_names) -> bool:
    return not (type_ in ("table", "index") and name and name.startswith(UNMODELLED_PREFIXES)) and not (
        type_ == "index" and parent_names.get("table_name", "").startswith(UNMODELLED_PREFIXES))


def schema_differences(database_url: str) -> list:
    """What autogenerate would still write: empty when the migrations produce exactly the models' schema."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                   "compare_server_default": True,
                                                                   "include_name": _modelled})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()
