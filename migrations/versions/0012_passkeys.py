"""Passkeys (issue 21): each account's WebAuthn user handle, its credentials, and the pending ceremonies whose
challenges stay on the server until used once

Revision ID: 0012_passkeys
Revises: 0010_user_second_factor
"""

import sqlalchemy as sa
from alembic import op

import recovery.db

revision = "0012_passkeys"
down_revision = "0010_user_second_factor"
branch_labels = None
depends_on = None


def _user_fk(table: str, *, nullable: bool = False) -> tuple[sa.Column, sa.ForeignKeyConstraint]:
    return (sa.Column("user_id", sa.Integer(), nullable=nullable),
            sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"),
                                    ondelete="CASCADE"))


def upgrade() -> None:
    op.create_table(
        "passkey_user_handles",
        *_user_fk("passkey_user_handles"),
        sa.Column("handle", sa.LargeBinary(length=64), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_passkey_user_handles")),
        sa.UniqueConstraint("handle", name=op.f("uq_passkey_user_handles_handle")),
    )
    when = recovery.db.UTCDateTime(timezone=True)
    op.create_table(
        "passkeys",
        sa.Column("id", sa.Integer(), nullable=False),
        *_user_fk("passkeys"),
        sa.Column("credential_id", sa.String(length=1400), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("transports", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("aaguid", sa.String(length=36), nullable=False),
        sa.Column("backup_eligible", sa.Boolean(), nullable=False),
        sa.Column("backup_state", sa.Boolean(), nullable=False),
        sa.Column("user_verified", sa.Boolean(), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("created_device", sa.String(length=200), nullable=False),
        sa.Column("created_place", sa.String(length=200), nullable=False),
        sa.Column("last_used_at", when, nullable=True),
        sa.Column("last_used_device", sa.String(length=200), nullable=False),
        sa.Column("last_used_place", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passkeys")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_passkeys_credential_id")),
    )
    op.create_index("ix_passkeys_user", "passkeys", ["user_id"], unique=False)
    op.create_table(
        "passkey_ceremonies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow_digest", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        *_user_fk("passkey_ceremonies", nullable=True),
        sa.Column("challenge", sa.LargeBinary(length=64), nullable=False),
        sa.Column("user_verification", sa.String(length=12), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("expires_at", when, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passkey_ceremonies")),
        sa.UniqueConstraint("flow_digest", name=op.f("uq_passkey_ceremonies_flow_digest")),
    )
    op.create_index("ix_passkey_ceremonies_expires", "passkey_ceremonies", ["expires_at"], unique=False)
    op.create_index(op.f("ix_passkey_ceremonies_user_id"), "passkey_ceremonies", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("passkey_ceremonies")
    op.drop_table("passkeys")
    op.drop_table("passkey_user_handles")
