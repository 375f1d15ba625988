"""Models of detection: every sign-in attempt with its signals, known devices, brute-force lock state, the links
of the "new sign-in" emails, and emailed step-up codes.

Scoring reads only bounded windows of `signin_attempts` through the indexes named here: (user, outcome,
time), (ip, outcome, time) and (network, outcome, time), each query limited by time and by row count.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from recovery.db import Base, UTCDateTime
from recovery.useragents import device_name

BigId = BigInteger().with_variant(Integer, "sqlite")

STAGES = ("password", "second_factor", "step_up")
# success: signed in (a session started); partial: this stage passed and another is due (second factor or
# emailed code); failure: a wrong secret (counts toward locks); locked: refused because of a temporary lock or a
# disabled password (never counts); throttled: the source is throttled; blocked: the risk score refused it.
OUTCOMES = ("success", "partial", "failure", "locked", "throttled", "blocked")
ACTIONS = ("allow", "notify", "step_up", "block")


class SigninAttempt(Base):
    __tablename__ = "signin_attempts"
    __table_args__ = (
        Index("ix_signin_attempts_user_time", "user_id", "created_at"),
        # The account's history by outcome and time, carrying the places scoring compares (network, country,
        # ASN, coordinates): a sign-in reads its last 200 successes from the index alone, not 200 table rows.
        Index("ix_signin_attempts_user_outcome_time_places", "user_id", "outcome", "created_at", "country",
              "network", "asn", "latitude", "longitude"),
        Index("ix_signin_attempts_ip_outcome_time", "ip", "outcome", "created_at"),
        Index("ix_signin_attempts_network_outcome_time", "network", "outcome", "created_at"),
        Index("ix_signin_attempts_time", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    account_key: Mapped[str] = mapped_column(String(32))  # HMAC of the email tried: counts distinct accounts
    stage: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(8))  # "browser" or "api"
    ip: Mapped[str | None] = mapped_column(String(45))
    network: Mapped[str | None] = mapped_column(String(49))
    country: Mapped[str | None] = mapped_column(String(2))
    asn: Mapped[str | None] = mapped_column(String(128))
    city: Mapped[str | None] = mapped_column(String(128))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    device_key: Mapped[str | None] = mapped_column(String(64))  # HMAC of the device cookie (or of UA + network)
    browser: Mapped[str | None] = mapped_column(String(64))
    os: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[int | None] = mapped_column(SmallInteger)
    action: Mapped[str | None] = mapped_column(String(8))
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    notified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def device_label(self) -> str:
        return device_name(self.browser, self.os) or "?"

    @property
    def place(self) -> str:
        return ", ".join(part for part in (self.city, self.country) if part) or ""


class KnownDevice(Base):
    """A device (browser cookie) that completed a sign-in; confirmed when the owner said "Yes, it was me"."""

    __tablename__ = "known_devices"
    __table_args__ = (Index("uq_known_devices_user_device", "user_id", "device_key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    device_key: Mapped[str] = mapped_column(String(64))
    browser: Mapped[str | None] = mapped_column(String(64))
    os: Mapped[str | None] = mapped_column(String(64))
    last_ip: Mapped[str | None] = mapped_column(String(45))
    last_country: Mapped[str | None] = mapped_column(String(2))
    last_city: Mapped[str | None] = mapped_column(String(128))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def label(self) -> str:
        return device_name(self.browser, self.os) or "?"

    @property
    def place(self) -> str:
        return ", ".join(part for part in (self.last_city, self.last_country) if part)


class SigninLock(Base):
    """Brute-force state of one account's password: consecutive failures, the growing temporary lock, disabling."""

    __tablename__ = "signin_locks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive, not counting refusals while locked
    locks: Mapped[int] = mapped_column(SmallInteger, default=0)  # temporary locks so far: the next one doubles
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AddressLock(Base):
    """The same brute-force state for an address no account has, so that a wrong password costs the same work
    whether or not the address exists (locks.count_failed_password); forgotten after the quiet time."""

    __tablename__ = "signin_address_locks"

    account_key: Mapped[str] = mapped_column(String(32), primary_key=True)  # HMAC of the address (attempts)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locks: Mapped[int] = mapped_column(SmallInteger, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    password_disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NoticeLink(Base):
    """A button of a "new sign-in" email: `confirm` (it was me) or `secure` (it was not); single use, 7 days."""

    __tablename__ = "signin_notice_links"
    __table_args__ = (Index("ix_signin_notice_links_notice", "notice_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_digest: Mapped[str] = mapped_column(String(64), unique=True)
    notice_id: Mapped[str] = mapped_column(String(32))  # the two buttons of one email share it
    purpose: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("signin_attempts.id", ondelete="SET NULL"))
    device_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StepUpChallenge(Base):
    """A correct password whose risk asks for more, on an account without MFA: an emailed one-time code."""

    __tablename__ = "signin_step_ups"
    __table_args__ = (Index("ix_signin_step_ups_user", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    code_digest: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("signin_attempts.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(8))
    failures: Mapped[int] = mapped_column(SmallInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
