"""How a moment reads to a person: in their time zone and language, with UTC beside it for the record.

The one formatting function every page and email uses (`format_when`); pages reach it through the `when` macro
of templates/_display.html (recovery/web/display.py picks the request's zone), emails call it with the
recipient's zone (`users.time_zone`) and language. Below every capability: no Flask, no database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.core import get_global
from babel.dates import format_datetime, get_timezone_location

DEFAULT_ZONE = "UTC"
MAX_ZONE_LENGTH = 64  # the column's width; the longest IANA name is 32 characters
# The zones a person may choose: the IANA database's canonical-looking names (Area/Location), plus UTC. Legacy
# aliases ("US/Eastern", "PRC", "Etc/GMT+8") still validate (a browser may report one) but are not offered.
_AREAS = ("Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/", "Australia/", "Europe/",
          "Indian/", "Pacific/")


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    """CLDR's old names of zones ("Asia/Calcutta" -> "Asia/Kolkata"), as Babel ships them."""
    return dict(get_global("zone_aliases"))


def canonical_zone(name: str) -> str:
    """The current name of a zone a browser may still report by an old one, when this system knows it."""
    current = _aliases().get(name, name)
    return current if current in _known() else name


@lru_cache(maxsize=1)
def offered_zones() -> tuple[str, ...]:
    """The zones the security page's list offers, sorted: UTC first, then every current Area/Location name."""
    return (DEFAULT_ZONE, *sorted(z for z in _known() if z.startswith(_AREAS) and z not in _aliases()))


@lru_cache(maxsize=4)
def zone_choices(locale: str) -> tuple[tuple[str, str], ...]:
    """(zone, what it reads as) for the security page's list: "中国（上海）时间 · Asia/Shanghai", CLDR's names."""
    return tuple((zone, zone if zone == DEFAULT_ZONE else f"{get_timezone_location(zone, locale=locale)} · {zone}")
                 for zone in offered_zones())


def is_time_zone(name: object) -> bool:
    """Whether `name` is an IANA time zone this system knows (zoneinfo's database)."""
    return isinstance(name, str) and 0 < len(name) <= MAX_ZONE_LENGTH and name in _known()


@lru_cache(maxsize=256)
def zone_info(name: str | None) -> ZoneInfo:
    """The zone called `name`, or UTC for an empty or unknown name (a value from before a zone was removed)."""
    if name and is_time_zone(name):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(DEFAULT_ZONE)


@lru_cache(maxsize=4096)  # a pure function of its arguments; a page shows the same moments to every reader
def format_when(value: datetime, *, zone: str | None, locale: str, format: str = "medium") -> str:
    """`value` (aware UTC, or naive UTC) as a person reads it: in `zone`, in `locale`'s words and order.

    "Dec 8, 2026, 12:45:00 AM" / "2026年12月8日 00:45:00" for 16:45 UTC in Asia/Shanghai. `format` is one of
    Babel's (short, medium, long) or a pattern. Pages call it through `when`; emails with the recipient's zone.
    """
    return format_datetime(_aware(value), format, tzinfo=zone_info(zone), locale=locale)


def format_utc(value: datetime) -> str:
    """The same moment in UTC, one unambiguous form for every language: "2026-12-07 16:45 UTC" (for a hover)."""
    return _aware(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
