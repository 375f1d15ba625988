"""Models of the MFA capability: TOTP authenticators (secret encrypted), recovery codes (HMAC only), sign-in
challenges (the short-lived state between a correct password and the second factor; token as HMAC only), and
the code attempts the per-account budget counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recovery.db import Base, UTCDateTime

PENDING, ACTIVE = "pending", "active"


class TotpAuthenticator(Base):
    """At most one pending (an enrollment waiting for its first code) and one active authenticator per user.

    `last_used_step` is the newest RFC 6238 time step accepted for this account; a code is accepted only by a
    conditional UPDATE that raises it, so a step (and every earlier one) is used at most once.
    """

    __tablename__ = "mfa_totp"
    __table_args__ = (UniqueConstraint("user_id", "state", name="uq_mfa_totp_user_state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(8))  # "pending" or "active"
    secret_ciphertext: Mapped[str] = mapped_column(Text)  # Fernet token under RECOVERY_ENCRYPTION_KEYS
    last_used_step: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # pending enrollments only
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RecoveryCode(Base):
    """One single-use recovery code, kept only as an HMAC bound to its account."""

    __tablename__ = "mfa_recovery_codes"
    __table_args__ = (UniqueConstraint("user_id", "code_digest", name="uq_mfa_recovery_codes_user_digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MfaChallenge(Base):
    """A correct password waiting for its second factor: short-lived, dropped after a few wrong codes."""

    __tablename__ = "mfa_challenges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "browser" or "api": a token works only where it was issued
    failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MfaAttempt(Base):
    """One code submitted for the account, counted before the code is checked (mfa.budget.check_code) under the
    account's lock and committed before any answer, so parallel requests cannot outrun the budget. A code that
    passed stops counting."""

    __tablename__ = "mfa_attempts"
    __table_args__ = (Index("ix_mfa_attempts_user_time", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))  # signin, reset, enroll, replace, disable, verify
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
