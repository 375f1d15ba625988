"""outbox_messages.request_id: the request that queued a message (X-Request-ID or generated), so the worker's log
lines for it carry the same id as the web's (issue 22)

Revision ID: 0013_outbox_request_id
Revises: 0010_user_second_factor
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_outbox_request_id"
down_revision = "0010_user_second_factor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("request_id")
