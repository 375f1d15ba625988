"""The account-history index carries the places scoring compares, so reading the history needs no table rows

Replaces ix_signin_attempts_user_outcome_time (user_id, outcome, created_at), a prefix of the new one.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_COLUMNS = ["user_id", "outcome", "created_at", "country", "network", "asn", "latitude", "longitude"]


def upgrade() -> None:
    op.create_index("ix_signin_attempts_user_outcome_time_places", "signin_attempts", _COLUMNS, unique=False)
    op.drop_index("ix_signin_attempts_user_outcome_time", table_name="signin_attempts")


def downgrade() -> None:
    op.create_index("ix_signin_attempts_user_outcome_time", "signin_attempts", _COLUMNS[:3], unique=False)
    op.drop_index("ix_signin_attempts_user_outcome_time_places", table_name="signin_attempts")
