"""Brute-force state for addresses no account has (equal work for every wrong password)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import recovery.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signin_address_locks",
        sa.Column("account_key", sa.String(length=32), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locks", sa.SmallInteger(), nullable=False),
        sa.Column("locked_until", recovery.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", recovery.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("password_disabled_at", recovery.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("account_key", name=op.f("pk_signin_address_locks")),
    )
    with op.batch_alter_table("signin_address_locks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signin_address_locks_last_failure_at"), ["last_failure_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("signin_address_locks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signin_address_locks_last_failure_at"))
    op.drop_table("signin_address_locks")
