"""Where a webhook may go: a strictly parsed http(s) URL whose host resolves only to public internet addresses.

A subscriber names the URL, so without this check the service would POST (and report the outcome) to anything
it can reach: the cloud metadata endpoint, Redis on loopback, the office network. The same check runs twice:
when a subscription is made (a clear 400) and again at every delivery (DNS can change after subscribing), and
the transport then connects to exactly the address that was checked, so a DNS rebind in between reaches nothing.

Name resolution is a seam (`Resolver`): settings.extra["webhook_resolver"] replaces it in tests. Development and
tests may also list hosts that skip the public-address test (settings.extra["webhook_allowed_hosts"], e.g.
{"127.0.0.1"} for a local receiver); production refuses to start with such a list.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from recovery.settings import Settings, SettingsError

MAX_URL_LENGTH = 2048
Resolver = Callable[[str, int], "list[str]"]  # (host, port) -> IP address strings
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeDestination(Exception):
    """The URL may not be used: `reason` is "url" (malformed), "unresolvable" or "not_public".

    The exception text is for server logs only; what staff see is chosen by the caller.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class Destination:
    """A checked URL: connect to `address` (one of the checked ones) while speaking to `host`."""

    scheme: str
    host: str
    port: int
    target: str  # path and query, as sent in the request line
    address: str


def system_resolve(host: str, port: int) -> list[str]:
    """The operating system's resolver, which also canonicalises numeric forms (0x7f000001, 2130706433, 127.1)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: str) -> bool:
    """True only for a globally routable unicast address, also looking inside IPv6 forms that embed IPv4."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public(str(embedded)):
            return False
    return ip.is_global and not ip.is_multicast and not ip.is_reserved and not ip.is_unspecified


@dataclass(frozen=True)
class DestinationPolicy:
    allow_http: bool = False
    allowed_hosts: frozenset[str] = frozenset()
    resolve: Resolver = system_resolve
    schemes: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "schemes", ("http", "https") if self.allow_http else ("https",))

    @classmethod
    def from_settings(cls, settings: Settings) -> DestinationPolicy:
        """https only in production, http too elsewhere; the allow list of hosts is refused in production."""
        listed = (*settings.webhook_allowed_hosts, *_as_hosts(settings.extra.get("webhook_allowed_hosts", ())))
        allowed = frozenset(h.lower() for h in listed)
        if allowed and settings.is_production:
            raise SettingsError("webhook_allowed_hosts is for development and tests; production cannot use it")
        return cls(allow_http=not settings.is_production, allowed_hosts=allowed,
                   resolve=settings.extra.get("webhook_resolver") or system_resolve)

    def parse(self, url: str) -> tuple[str, str, int, str]:
        """(scheme, host, port, target) of a URL that is well formed for a webhook, else UnsafeDestination."""
        if not url or len(url) > MAX_URL_LENGTH or any(ch.isspace() or ord(ch) < 32 for ch in url):
            raise UnsafeDestination("url", "empty, too long or with whitespace")
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError as exc:
            raise UnsafeDestination("url", "port is not a number in 0-65535") from exc
        host = (parts.hostname or "").rstrip(".")
        if parts.scheme not in self.schemes or not host or parts.username is not None or parts.password is not None:
            raise UnsafeDestination("url", f"scheme {parts.scheme!r}, no host or credentials in the URL")
        if port == 0:
            raise UnsafeDestination("url", "port 0")
        port = port or (443 if parts.scheme == "https" else 80)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return parts.scheme, host, port, target

    def check(self, url: str) -> Destination:
        """Parse, resolve and require every address to be public (or the host to be on the allow list)."""
        scheme, host, port, target = self.parse(url)
        try:
            addresses = self.resolve(host, port)
        except (OSError, UnicodeError, ValueError) as exc:
            raise UnsafeDestination("unresolvable", f"{host}: {exc}") from exc
        if not addresses:
            raise UnsafeDestination("unresolvable", f"{host}: no address")
        if host.lower() not in self.allowed_hosts:
            try:
                refused = [a for a in addresses if not is_public(a)]
            except ValueError as exc:
                raise UnsafeDestination("unresolvable", f"{host}: resolver gave {addresses!r}") from exc
            if refused:  # one private answer is enough: the connection could be steered to it
                raise UnsafeDestination("not_public", f"{host} resolves to {', '.join(refused)}")
        return Destination(scheme, host, port, target, addresses[0])


def _as_hosts(value: str | Iterable[object] | None) -> Iterable[str]:
    if isinstance(value, str):
        return [h.strip() for h in value.split(",") if h.strip()]
    return [str(h) for h in value or ()]
