"""Models of the accounts capability: users, their restrictions, extra notification addresses, verification codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from recovery.db import Base, UTCDateTime

ROLES = ("user", "agent", "security", "content", "admin")
# Staff sign in to the console behind the staff guard (MFA). `content` edits the help centre only: it reads no
# account, ticket or alert (SUPPORT_ROLES are the staff who do; admin is both).
STAFF_ROLES = ("agent", "security", "content", "admin")
SUPPORT_ROLES = ("agent", "security", "admin")
STATUSES = ("active", "locked", "suspended", "banned")
# What a restriction is, by what set it: a ban, the owner's own stolen-account report (containment), any
# restriction of a staff account, an ordinary lock (staff, an alert) or suspension.
RESTRICTION_KINDS = ("ban", "stolen", "staff_suspension", "lock", "suspension")
_OPEN_RESTRICTION = text("lifted_at IS NULL")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    role: Mapped[str] = mapped_column(String(16), default="user")
    status: Mapped[str] = mapped_column(String(16), default="active")
    status_reason: Mapped[str | None] = mapped_column(String(500))
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locale: Mapped[str] = mapped_column(String(16), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the active second factor was confirmed, NULL without one: written only through
    # accounts.set_second_factor, which the MFA capability calls as it confirms, turns off or resets one.
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The IANA zone every time is shown in (recovery/times.py), NULL until the browser reports one or the
    # holder chooses one on the security page: written only through accounts.set_time_zone.
    time_zone: Mapped[str | None] = mapped_column(String(64))

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def reads_accounts(self) -> bool:
        """Staff who may read other people's accounts, events and tickets (not the content team)."""
        return self.role in SUPPORT_ROLES

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def has_second_factor(self) -> bool:
        return self.second_factor_at is not None


class ContactAddress(Base):
    """A further address that receives every security notification (NIST asks for at least two)."""

    __tablename__ = "contact_addresses"
    __table_args__ = (UniqueConstraint("user_id", "email", name="uq_contact_addresses_user_email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EmailVerification(Base):
    """A code sent to prove control of an address; stored only as an HMAC, single use, short-lived."""

    __tablename__ = "email_verifications"
    __table_args__ = (Index("ix_email_verifications_user_email", "user_id", "email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    purpose: Mapped[str] = mapped_column(String(16))  # "primary" or "contact"
    code_digest: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AccountRestriction(Base):
    """A restriction on an account: the status it imposes, its kind and reason, who set it and who ended it.

    `User.status` / `status_reason` are the effective status everyone reads; they mirror the one open
    restriction (lifted_at NULL; none open means active), kept equal in the same transaction by
    accounts.status.set_account_status. `needs_two_staff` is fixed when the restriction is set: ending it
    (lifting or replacing) needs two different staff members, whatever path and whatever status comes between.
    """

    __tablename__ = "account_restrictions"
    __table_args__ = (
        Index("uq_account_restrictions_open", "user_id", unique=True, postgresql_where=_OPEN_RESTRICTION,
              sqlite_where=_OPEN_RESTRICTION),
        Index("ix_account_restrictions_user", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))  # locked | suspended | banned
    kind: Mapped[str] = mapped_column(String(24))  # one of RESTRICTION_KINDS
    reason: Mapped[str] = mapped_column(String(500))
    needs_two_staff: Mapped[bool] = mapped_column(Boolean)
    set_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # None: the service
    set_via: Mapped[str] = mapped_column(String(48))  # staff | ticket:<id> | secure-account:<source> | operator
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lift_approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lifted_via: Mapped[str | None] = mapped_column(String(48))
    lift_reason: Mapped[str | None] = mapped_column(String(500))
