"""password reset: password_resets (HMAC of each link's id, lifetime, use and revocation)

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import recovery.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_digest", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", recovery.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", recovery.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", recovery.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", recovery.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=32), nullable=True),
        sa.Column("requester_ip", sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_password_resets_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
        sa.UniqueConstraint("id_digest", name=op.f("uq_password_resets_id_digest")),
    )
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.create_index("ix_password_resets_user_live", ["user_id", "used_at", "revoked_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.drop_index("ix_password_resets_user_live")
    op.drop_table("password_resets")
