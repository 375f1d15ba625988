"""users.time_zone: the IANA time zone the account holder reads every time in (browser-reported or chosen on
the security page); NULL until then, which reads as UTC

Revision ID: 0011_user_time_zone
Revises: 0010_user_second_factor
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_user_time_zone"
down_revision = "0010_user_second_factor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("time_zone")
