"""Model of a password-reset link: only the HMAC of its random id is kept, with its lifetime and outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from recovery.db import Base, UTCDateTime


class PasswordReset(Base):
    """One emailed link. Live while used_at and revoked_at are empty and expires_at is ahead."""

    __tablename__ = "password_resets"
    __table_args__ = (Index("ix_password_resets_user_live", "user_id", "used_at", "revoked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_digest: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC of the random id in the link
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(String(32))  # replaced, password_reset, account_status
    requester_ip: Mapped[str | None] = mapped_column(String(45))
