"""The time seam: SystemClock in production, FrozenClock in tests; always timezone-aware UTC."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to, so time-dependent rules are tested exactly."""

    def __init__(self, at: datetime | None = None) -> None:
        self._now = at or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        with self._lock:
            self._now = self._now + (delta or timedelta(**kwargs))
            return self._now

    def set(self, at: datetime) -> None:
        with self._lock:
            self._now = at


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every comparison in the domain is made in aware UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
