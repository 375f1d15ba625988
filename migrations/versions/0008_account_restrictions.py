"""Account restrictions: a ban, a stolen-account lock or a staff account's restriction is a row that records
what ending it needs, so it cannot be laundered through another status; existing restrictions are backfilled

Revision ID: 0008_account_restrictions
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import recovery.db

revision = "0008_account_restrictions"
down_revision = "0001"
branch_labels = None
depends_on = None

# Written here as it was at this revision (the models may move on): keep in step with accounts.restrictions.
STOLEN_REASON = "Reported stolen by its owner"
STAFF_ROLES = ("agent", "security", "admin")
_OPEN = sa.text("lifted_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "account_restrictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("needs_two_staff", sa.Boolean(), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column("set_via", sa.String(length=48), nullable=False),
        sa.Column("set_at", recovery.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", recovery.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.Integer(), nullable=True),
        sa.Column("lift_approved_by", sa.Integer(), nullable=True),
        sa.Column("lifted_via", sa.String(length=48), nullable=True),
        sa.Column("lift_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_account_restrictions_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["set_by"], ["users.id"], name=op.f("fk_account_restrictions_set_by_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["lifted_by"], ["users.id"],
                                name=op.f("fk_account_restrictions_lifted_by_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["lift_approved_by"], ["users.id"],
                                name=op.f("fk_account_restrictions_lift_approved_by_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_restrictions")),
    )
    op.create_index("ix_account_restrictions_user", "account_restrictions", ["user_id", "id"], unique=False)
    op.create_index("uq_account_restrictions_open", "account_restrictions", ["user_id"], unique=True,
                    postgresql_where=_OPEN, sqlite_where=_OPEN)
    _backfill()


def _backfill() -> None:
    """One open restriction for every account not active today: a ban, a stolen-account lock and any staff
    account's restriction need two staff members to end."""
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("role", sa.String()),
                     sa.column("status", sa.String()), sa.column("status_reason", sa.String()),
                     sa.column("status_changed_at", recovery.db.UTCDateTime(timezone=True)),
                     sa.column("created_at", recovery.db.UTCDateTime(timezone=True)))
    restrictions = sa.table("account_restrictions", *(sa.column(name) for name in (
        "user_id", "status", "kind", "reason", "needs_two_staff", "set_via", "set_at")))
    stolen = sa.and_(users.c.status == "locked", users.c.status_reason == STOLEN_REASON)
    staff = users.c.role.in_(STAFF_ROLES)
    kind = sa.case((stolen, "stolen"), (staff, "staff_suspension"), (users.c.status == "banned", "ban"),
                   (users.c.status == "locked", "lock"), else_="suspension")
    needs_two = sa.case((sa.or_(stolen, staff, users.c.status == "banned"), sa.true()), else_=sa.false())
    select = sa.select(users.c.id, users.c.status, kind, sa.func.coalesce(users.c.status_reason, ""), needs_two,
                       sa.literal("before-restrictions"),
                       sa.func.coalesce(users.c.status_changed_at, users.c.created_at)
                       ).where(users.c.status != "active")
    op.execute(restrictions.insert().from_select(
        ["user_id", "status", "kind", "reason", "needs_two_staff", "set_via", "set_at"], select))


def downgrade() -> None:
    op.drop_index("uq_account_restrictions_open", table_name="account_restrictions",
                  postgresql_where=_OPEN, sqlite_where=_OPEN)
    op.drop_index("ix_account_restrictions_user", table_name="account_restrictions")
    op.drop_table("account_restrictions")
