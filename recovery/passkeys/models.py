"""Models of the passkeys capability: each account's WebAuthn user handle, its credentials (public key, sign
counter, where it was made and last used) and the pending ceremonies (a server-side challenge, single use)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from recovery.db import Base, UTCDateTime

REGISTER, AUTHENTICATE, SECOND_FACTOR = "register", "authenticate", "second_factor"


class PasskeyUserHandle(Base):
    """The account's WebAuthn user handle: 64 random bytes, never the id or the email (an authenticator shows it
    to whoever holds the device, and a discoverable credential answers with it)."""

    __tablename__ = "passkey_user_handles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    handle: Mapped[bytes] = mapped_column(LargeBinary(64), unique=True)


class Passkey(Base):
    """One registered credential. `sign_count` is the authenticator's last counter: a synced passkey keeps 0, any
    other must grow (a counter that goes back is a cloned authenticator)."""

    __tablename__ = "passkeys"
    __table_args__ = (Index("ix_passkeys_user", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)  # base64url of up to 1023 bytes
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # COSE key
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    transports: Mapped[str] = mapped_column(String(200), default="")  # comma-separated, as the client said
    name: Mapped[str] = mapped_column(String(100))
    aaguid: Mapped[str] = mapped_column(String(36), default="")
    backup_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    backup_state: Mapped[bool] = mapped_column(Boolean, default=False)
    user_verified: Mapped[bool] = mapped_column(Boolean, default=False)  # at its last use
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_device: Mapped[str] = mapped_column(String(200), default="")
    created_place: Mapped[str] = mapped_column(String(200), default="")
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_device: Mapped[str] = mapped_column(String(200), default="")
    last_used_place: Mapped[str] = mapped_column(String(200), default="")


class PasskeyCeremony(Base):
    """A registration or authentication waiting for the authenticator's answer: the challenge stays here, the
    client holds only the flow id (stored as an HMAC); used once (deleted by one conditional DELETE)."""

    __tablename__ = "passkey_ceremonies"
    __table_args__ = (Index("ix_passkey_ceremonies_expires", "expires_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow_digest: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))  # register, authenticate (passwordless), second_factor
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    challenge: Mapped[bytes] = mapped_column(LargeBinary(64))
    user_verification: Mapped[str] = mapped_column(String(12))  # required or preferred: what the options asked
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
