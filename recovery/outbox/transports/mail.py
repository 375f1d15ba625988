"""Writes a claimed email message as RFC 5322 (text and HTML parts, the idempotency key in its Message-ID)."""

from __future__ import annotations

import email.utils
from datetime import datetime
from email.message import EmailMessage

from recovery.outbox.transports.base import DeliveryError, OutgoingMessage, safe_key


def build_email(message: OutgoingMessage, *, mail_from: str, now: datetime) -> EmailMessage:
    """RFC 5322 message with a text and an HTML part; Message-ID carries the idempotency key.

    A header that cannot be written (a line break in an address: header injection) fails for good.
    """
    try:
        return _build_email(message, mail_from=mail_from, now=now)
    except (ValueError, TypeError) as exc:
        raise DeliveryError(f"the message cannot be written as email: {type(exc).__name__}",
                            retryable=False) from exc


def _build_email(message: OutgoingMessage, *, mail_from: str, now: datetime) -> EmailMessage:
    key = safe_key(message.idempotency_key)
    mail = EmailMessage()
    mail["From"] = mail_from
    mail["To"] = message.recipient
    mail["Subject"] = message.payload.get("subject", "")
    mail["Date"] = email.utils.format_datetime(now)
    mail["Message-ID"] = f"<{key}@recovery>"
    mail["X-Recovery-Idempotency-Key"] = key
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.payload.get("text", ""))
    if message.payload.get("html"):
        mail.add_alternative(message.payload["html"], subtype="html")
    return mail
