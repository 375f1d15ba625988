"""Where an IP address is: country, ASN and network from geoip2fast's bundled data (offline), coordinates from a
MaxMind city database when RECOVERY_GEOIP_CITY_DB names one; and the in-memory twin tests use.

The lookup is a seam: `geo_lookup(settings)` returns the one configured, and a test puts its own in
`settings.extra["geo_lookup"]` (anything with `lookup(ip) -> Place`). Nothing here reaches the network.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Protocol

from recovery.settings import Settings

log = logging.getLogger(__name__)
PREFIX_V4, PREFIX_V6 = 24, 48  # what counts as "the same network" when no ASN block is known


@dataclass(frozen=True)
class Place:
    country: str | None = None  # ISO 3166 alpha-2
    asn: str | None = None  # the autonomous system's name (geoip2fast carries names, not numbers)
    network: str | None = None  # the routed block the address belongs to
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    private: bool = False

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class GeoLookup(Protocol):
    def lookup(self, ip: str) -> Place: ...


@lru_cache(maxsize=1024)
def network_of(ip: str | None) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) around an address: sources are grouped by it when counting. Remembered for
    the last addresses seen (a sign-in asks twice, parsing costs about 0.05 ms: docs/performance.md)."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return None
    prefix = PREFIX_V4 if address.version == 4 else PREFIX_V6
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


class NullGeoLookup:
    """Knows nothing but the network prefix: for deployments that want no location data at all."""

    def lookup(self, ip: str) -> Place:
        return Place(network=network_of(ip))


class StaticGeoLookup:
    """The in-memory twin: fixed answers per IP (or per network), for tests and local experiments."""

    def __init__(self, answers: Mapping[str, Place] | None = None) -> None:
        self.answers = dict(answers or {})

    def set(self, ip: str, **fields: object) -> None:
        self.answers[ip] = Place(**fields)  # type: ignore[arg-type]

    def lookup(self, ip: str) -> Place:
        place = self.answers.get(ip) or self.answers.get(network_of(ip) or "") or Place()
        return place if place.network else replace(place, network=network_of(ip))


class FastGeoLookup:
    """geoip2fast's bundled MaxMind GeoLite2 country and ASN data; loaded once per process, on first use."""

    _lock = threading.Lock()

    def __init__(self, data_file: str) -> None:
        self.data_file = data_file
        self._reader = None

    def _load(self):
        with self._lock:
            if self._reader is None:
                from geoip2fast import GeoIP2Fast

                self._reader = GeoIP2Fast(geoip2fast_data_file=self.data_file, verbose=False)
        return self._reader

    def lookup(self, ip: str) -> Place:
        try:
            result = (self._reader or self._load()).lookup(ip)
        except Exception:  # a malformed database must not break sign-in
            log.exception("geoip2fast lookup failed")
            return Place(network=network_of(ip))
        code = result.country_code or ""
        country = code if len(code) == 2 and code.isalpha() else None  # "--" for private and reserved ranges
        network = result.asn_cidr or network_of(ip)
        if network and ":" not in network and ":" in ip:  # geoip2fast answers some IPv6 with an IPv4 block
            network = network_of(ip)
        return Place(country=country, asn=(result.asn_name or None) if not result.is_private else None,
                     network=network, private=bool(result.is_private))


class CityGeoLookup:
    """Adds a MaxMind city database's coordinates and city name to another lookup's answer."""

    def __init__(self, path: str, inner: GeoLookup) -> None:
        import maxminddb

        self.reader = maxminddb.open_database(path)
        self.inner = inner

    def lookup(self, ip: str) -> Place:
        place = self.inner.lookup(ip)
        try:
            record = self.reader.get(ip)
        except ValueError:
            return place
        if not isinstance(record, dict):
            return place
        fields: dict[str, Any] = record  # the GeoLite2-City layout: nested dicts beyond what the reader types
        location = fields.get("location") or {}
        city = ((fields.get("city") or {}).get("names") or {}).get("en")
        country = (fields.get("country") or {}).get("iso_code") or place.country
        return replace(place, country=country, city=city, latitude=location.get("latitude"),
                       longitude=location.get("longitude"))


@lru_cache(maxsize=4)
def _configured(data_file: str, city_db: str) -> GeoLookup:
    lookup: GeoLookup = FastGeoLookup(data_file)
    if city_db:
        lookup = CityGeoLookup(city_db, lookup)
    return lookup


def geo_lookup(settings: Settings) -> GeoLookup:
    override = settings.extra.get("geo_lookup")
    if override is not None:
        return override
    return _configured(settings.geoip_fast_data, settings.geoip_city_db)
