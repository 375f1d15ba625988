"""Models of alerts: the alerts themselves, webhook subscriptions (secret encrypted at rest) and which outbox
message carried which alert to which subscription (the delivery history)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from recovery.db import Base, UTCDateTime

BigId = BigInteger().with_variant(Integer, "sqlite")

SEVERITIES = ("low", "medium", "high", "critical")
STATUSES = ("new", "acknowledged", "resolved")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) + 1 if severity in SEVERITIES else 0


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_dedup", "dedup_key", "last_seen_at"),
        Index("ix_alerts_status", "status", "id"),  # the console: newest first, by status
        Index("ix_alerts_user", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    dedup_key: Mapped[str] = mapped_column(String(64))  # sha256 of (rule, account, source)
    rule: Mapped[str] = mapped_column(String(48))
    severity: Mapped[str] = mapped_column(String(8))
    severity_rank: Mapped[int] = mapped_column(SmallInteger)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str | None] = mapped_column(String(64))  # an IP or a network
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="new")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebhookSubscription(Base):
    __tablename__ = "alert_webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    secret_ciphertext: Mapped[str] = mapped_column(Text)  # Fernet under RECOVERY_ENCRYPTION_KEYS
    min_severity: Mapped[str] = mapped_column(String(8))
    min_severity_rank: Mapped[int] = mapped_column(SmallInteger)
    description: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebhookDelivery(Base):
    """One alert sent to one subscription; its state (attempts, last error, sent) is the outbox row's."""

    __tablename__ = "alert_webhook_deliveries"
    __table_args__ = (Index("ix_alert_webhook_deliveries_subscription", "subscription_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("alert_webhooks.id", ondelete="CASCADE"))
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"))
    event: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
