"""users.second_factor_at: when the account's active second factor was confirmed (NULL without one), kept by
accounts for the MFA capability, so accounts and detection read it from the account's own row instead of
reaching into MFA's table; backfilled from the active TOTP authenticators

Revision ID: 0010_user_second_factor
Revises: 0008_account_restrictions, 0003
"""

import sqlalchemy as sa
from alembic import op

import recovery.db

revision = "0010_user_second_factor"
down_revision = ("0008_account_restrictions", "0003")
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("second_factor_at", recovery.db.UTCDateTime(timezone=True), nullable=True))
    # Written here as the MFA table was at this revision: state 'active' is a confirmed authenticator; one
    # without a confirmation time still counts (its creation time stands in), never as "no second factor".
    op.execute(sa.text(
        "UPDATE users SET second_factor_at = (SELECT COALESCE(mfa_totp.confirmed_at, mfa_totp.created_at) "
        "FROM mfa_totp WHERE mfa_totp.user_id = users.id AND mfa_totp.state = 'active')"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("second_factor_at")
