"""What one sign-in attempt tells about itself: the device (cookie, browser and OS from the user agent), the
network (IP, prefix, ASN) and the place (country, city, coordinates).

The request side (recovery/detection/view_kit.py) fills `ClientSignals`; `observe` turns them into an
`Observation` with nothing secret in it: the device cookie is kept only as an HMAC.
"""

from __future__ import annotations

from dataclasses import dataclass

from recovery.context import ServiceContext
from recovery.detection.geo import Place, geo_lookup, network_of
from recovery.emails import normalise_email
from recovery.useragents import parse_user_agent

_ACCOUNT_PURPOSE = "detection-account"


def account_key(ctx: ServiceContext, email: str | None) -> str:
    """The pseudonym of an address tried (an HMAC): attempts count distinct accounts by it, and a wrong
    password for an address no account has counts against it (locks.AddressLock)."""
    return ctx.tokens.key_for(normalise_email(email or ""), _ACCOUNT_PURPOSE)

_DEVICE_PURPOSE = "detection-device"


@dataclass(frozen=True)
class ClientSignals:
    """Straight from the request: the client IP (after ProxyFix's trusted hops), user agent, device cookie id."""

    ip: str | None = None
    user_agent: str | None = None
    device_id: str | None = None
    kind: str = "browser"
    # Failed sign-ins across every client are over RECOVERY_SIGNIN_ATTACK_THRESHOLD (the password step only):
    # unfamiliar devices step up and each failure grows the alert. A signal, never a reason to refuse.
    under_attack: bool = False


@dataclass(frozen=True)
class Observation:
    ip: str | None
    network: str | None
    place: Place
    device_key: str | None
    browser: str | None
    os: str | None
    kind: str
    under_attack: bool = False


def cookie_device_key(ctx: ServiceContext, device_id: str) -> str:
    """What the database keeps of a browser's device cookie: its HMAC."""
    return ctx.tokens.digest(device_id, _DEVICE_PURPOSE)


def device_key(ctx: ServiceContext, signals: ClientSignals, browser: str | None, os: str | None,
               network: str | None) -> str | None:
    """The cookie's id when the client keeps cookies; otherwise (API clients) browser, OS and network together."""
    if signals.device_id:
        return cookie_device_key(ctx, signals.device_id)
    if not (browser or os or network):
        return None
    return ctx.tokens.digest(f"{browser}|{os}|{network}", _DEVICE_PURPOSE + "-derived")


def observe(ctx: ServiceContext, signals: ClientSignals) -> Observation:
    place = geo_lookup(ctx.settings).lookup(signals.ip) if signals.ip else Place()
    network = network_of(signals.ip)  # a fixed prefix, so counting by network does not depend on the database
    browser, os = parse_user_agent(signals.user_agent or "") if signals.user_agent else (None, None)
    return Observation(ip=signals.ip, network=network, place=place,
                       device_key=device_key(ctx, signals, browser, os, network), browser=browser, os=os,
                       kind=signals.kind, under_attack=signals.under_attack)
