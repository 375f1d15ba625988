"""What every transport shares: the claimed message, the delivery error, the send deadline, keys safe to show."""

from __future__ import annotations

import hashlib
import re
import socket
from dataclasses import dataclass, field
from typing import Protocol

_SAFE_KEY = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class DeliveryError(Exception):
    """A send that did not happen; the message text is stored as last_error, so it never holds a secret."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class OutgoingMessage:
    """What the worker claimed: a detached copy, so sending needs no database session."""

    id: int
    kind: str
    recipient: str
    idempotency_key: str
    payload: dict = field(default_factory=dict)


class Transport(Protocol):
    def send(self, message: OutgoingMessage) -> None: ...


def send_deadline(transport: object) -> float:
    """The longest one send() on `transport` may take, which a worker's lease must outlast (0: no network)."""
    return float(getattr(transport, "deadline_seconds", 0.0))


def safe_key(idempotency_key: str) -> str:
    """The key as it appears in headers and file names: itself when plain, else a stable digest of it."""
    if _SAFE_KEY.match(idempotency_key):
        return idempotency_key
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]


def describe(exc: BaseException | str) -> str:
    """A short cause for a log line or last_error: never a secret, never a traceback."""
    if isinstance(exc, str):
        return exc[:200]
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    return getattr(exc, "strerror", None) or type(exc).__name__
