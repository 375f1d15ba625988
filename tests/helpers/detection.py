"""Detection's test inputs: the fixed geo answers (the in-memory twin of the geo lookup), client signals, applying
what a failed request keeps, and pressing a security email's button. Used by the detection and alerts tests."""

from __future__ import annotations

import re

from helpers.csrf import csrf_from
from recovery.detection.geo import Place, StaticGeoLookup
from recovery.detection.signals import ClientSignals
from recovery.errors import RecoveryError

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
# Fixed answers: Berlin and Sydney are 16,000 km apart; two Berlin networks; a Paris network.
BERLIN = Place(country="DE", asn="Deutsche Telekom", city="Berlin", latitude=52.52, longitude=13.40)
BERLIN_2 = Place(country="DE", asn="Vodafone", city="Berlin", latitude=52.52, longitude=13.40)
SYDNEY = Place(country="AU", asn="Telstra", city="Sydney", latitude=-33.87, longitude=151.21)
PARIS = Place(country="FR", asn="Orange", city="Paris", latitude=48.86, longitude=2.35)
# A button of a security email ("it was me" / "secure my account"), as its path.
BUTTON = re.compile(r"https://recovery\.example\.test(/signin-notice/(confirm|secure)/[^\s\"<>]+)")
IPS = {"198.51.100.7": BERLIN, "198.51.100.8": BERLIN, "192.0.2.50": BERLIN_2, "203.0.113.9": SYDNEY,
       "203.0.113.77": PARIS}


def fixed_geo() -> StaticGeoLookup:
    return StaticGeoLookup(IPS)


def signals(ip: str = "198.51.100.7", device: str | None = "laptop", agent: str = CHROME,
            kind: str = "browser") -> ClientSignals:
    return ClientSignals(ip=ip, user_agent=agent, device_id=device, kind=kind)


def keep(ctx, items: list) -> None:
    """What the error layer does with `persist` after rolling back, for tests that call services directly."""
    for item in items:
        item(ctx.session) if callable(item) else ctx.session.add(item)
    ctx.session.flush()


def run(services, operation):
    """`operation(ctx)` in one unit of work; a RecoveryError is handled as web/errors.py does: roll back, keep
    what it says must survive, commit that, and raise."""
    with services() as ctx:
        try:
            return operation(ctx)
        except RecoveryError as error:
            ctx.session.rollback()
            keep(ctx, error.persist)
            ctx.session.commit()
            raise


def press(client, path: str):
    """Open an email button's page (GET changes nothing) and press it as the browser would."""
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
