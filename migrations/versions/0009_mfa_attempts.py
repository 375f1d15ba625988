"""Second-factor code attempts, counted per account before each code is checked, so parallel requests cannot
outrun the failure budget (issue 15, item 5)

Revision ID: 0009_mfa_attempts
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

import recovery.db

revision = "0009_mfa_attempts"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mfa_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("created_at", recovery.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("passed_at", recovery.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_mfa_attempts_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_attempts")),
    )
    op.create_index("ix_mfa_attempts_user_time", "mfa_attempts", ["user_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_mfa_attempts_user_time", table_name="mfa_attempts")
    op.drop_table("mfa_attempts")
