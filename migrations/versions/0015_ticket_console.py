"""ticket_drafts and ticket_viewers: the console's drafts per (ticket, staff member, reply or note) and who has
a ticket open (collision detection)

Revision ID: 0015_ticket_console
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from recovery.db import UTCDateTime

revision = "0015_ticket_console"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _table(name: str, *columns: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(["staff_id"], ["users.id"], name=op.f(f"fk_{name}_staff_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f(f"fk_{name}_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    _table("ticket_drafts", sa.Column("kind", sa.String(length=8), nullable=False),
           sa.Column("body", sa.Text(), nullable=False),
           sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False))
    op.create_index("uq_ticket_drafts_ticket_staff_kind", "ticket_drafts", ["ticket_id", "staff_id", "kind"],
                    unique=True)
    _table("ticket_viewers", sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=False))
    op.create_index("uq_ticket_viewers_ticket_staff", "ticket_viewers", ["ticket_id", "staff_id"], unique=True)


def downgrade() -> None:
    op.drop_table("ticket_viewers")
    op.drop_table("ticket_drafts")
