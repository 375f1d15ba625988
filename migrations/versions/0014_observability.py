"""metric_gauges (values the worker computes on a schedule for /metrics) and worker_heartbeats (when each worker
last went round its loop, for /healthz); issue 22

Revision ID: 0014_observability
Revises: 0010_user_second_factor
"""

import sqlalchemy as sa
from alembic import op

import recovery.db

revision = "0014_observability"
down_revision = "0010_user_second_factor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_gauges",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("labels", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("computed_at", recovery.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", "labels"),
    )
    op.create_table(
        "worker_heartbeats",
        sa.Column("worker_id", sa.String(length=64), nullable=False),
        sa.Column("lanes", sa.String(length=64), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", recovery.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", recovery.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker_id"),
    )
    op.create_index("ix_worker_heartbeats_seen_at", "worker_heartbeats", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_worker_heartbeats_seen_at", table_name="worker_heartbeats")
    op.drop_table("worker_heartbeats")
    op.drop_table("metric_gauges")
