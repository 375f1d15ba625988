"""The help centre (issue 20): categories, articles, translations, revisions, feedback, counters, search documents
and the full-text index help_fts (SQLite: an FTS5 table; PostgreSQL: a weighted tsvector with a GIN index)

Revision ID: 0018
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import recovery.db

revision = "0018"
down_revision = "0001"
branch_labels = None
depends_on = None


def _tables() -> None:
    op.create_table(
        "help_categories",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("name_zh", sa.String(length=120), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "help_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", recovery.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["category"], ["help_categories.key"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "help_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("keywords", sa.String(length=500), nullable=False),
        sa.Column("actions", sa.String(length=200), nullable=False),
        sa.Column("published_revision_id", sa.Integer(), nullable=True),
        sa.Column("published_at", recovery.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("edited_in_console", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["help_articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "lang", name="uq_help_translations_article_lang"),
    )
    op.create_table(
        "help_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("translation_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("keywords", sa.String(length=500), nullable=False),
        sa.Column("actions", sa.String(length=200), nullable=False),
        sa.Column("created_at", recovery.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", recovery.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["translation_id"], ["help_translations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["published_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_help_revisions_translation", "help_revisions", ["translation_id", "id"])


def _counters() -> None:
    op.create_table(
        "help_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", recovery.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["help_articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_help_feedback_article", "help_feedback", ["article_id", "lang"])
    op.create_table(
        "help_view_counts",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["help_articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "lang"),
    )
    op.create_table(
        "help_search_counts",
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.Column("last_at", recovery.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lang", "query"),
    )
    op.create_index("ix_help_search_counts_results", "help_search_counts", ["results", "searches"])


def _search() -> None:
    op.create_table(
        "help_search_docs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("title_terms", sa.Text(), nullable=False),
        sa.Column("keyword_terms", sa.Text(), nullable=False),
        sa.Column("body_terms", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["help_articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "lang", name="uq_help_search_docs_article_lang"),
    )
    op.create_table(
        "help_index_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # The full-text index lives outside the models (recovery/migrate.py leaves help_fts* out of the schema
    # check): each database has its own kind, written by recovery/help/index.py.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TABLE help_fts (doc_id integer PRIMARY KEY, lang varchar(2) NOT NULL, "
                   "document tsvector NOT NULL)")
        op.execute("CREATE INDEX ix_help_fts_document ON help_fts USING gin (document)")
    else:
        op.execute("CREATE VIRTUAL TABLE help_fts USING fts5(title, keywords, body, lang UNINDEXED, "
                   "tokenize = 'unicode61 remove_diacritics 2')")


def upgrade() -> None:
    _tables()
    _counters()
    _search()


def downgrade() -> None:
    op.execute("DROP TABLE help_fts")
    for table in ("help_index_state", "help_search_docs", "help_search_counts", "help_view_counts",
                  "help_feedback", "help_revisions", "help_translations", "help_articles", "help_categories"):
        op.drop_table(table)
