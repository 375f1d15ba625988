"""Tickets record whether containment opened them from the owner's side: only such a case earns the exemptions
of proof (a second factor reset without the security hold), never a reason a requester chose

Existing tickets of source `secure_account` (set only by detection.containment) are marked.

Revision ID: 0008_ticket_containment
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_ticket_containment"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opened_by_containment", sa.Boolean(), server_default=sa.text("false"),
                                      nullable=False))
    tickets = sa.table("tickets", sa.column("source", sa.String()), sa.column("opened_by_containment", sa.Boolean()))
    op.execute(tickets.update().where(tickets.c.source == "secure_account").values(opened_by_containment=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("opened_by_containment")
