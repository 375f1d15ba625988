"""The numbers of detection, read once from Settings; rule weights may be overridden in settings.extra."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

from recovery.settings import Settings

# How much each finding adds to the risk score (see rules.py). With the default thresholds (30 notify, 60 step
# up, 100 block): a new device alone notifies, a new device in a new country steps up, impossible travel from a
# new device or a deny-listed source blocks.
DEFAULT_WEIGHTS = {
    "new_device": 30,
    "new_country": 30,
    "new_network": 10,
    "impossible_travel": 70,
    "after_credential_change": 40,
    "success_after_failures": 40,
    "deny_listed": 100,
    "unfamiliar_during_attack": 0,  # sets the action's floor to step-up instead (scoring.STEP_UP_FLOOR)
}


@dataclass(frozen=True)
class DenyList:
    networks: tuple = ()
    countries: frozenset = frozenset()
    asns: frozenset = frozenset()

    def matches(self, ip: str | None, country: str | None, asn: str | None) -> str | None:
        """What entry the source matches, or None."""
        if country and country.upper() in self.countries:
            return f"country:{country.upper()}"
        if asn and asn.casefold() in self.asns:
            return f"asn:{asn}"
        try:
            address = ipaddress.ip_address(ip or "")
        except ValueError:
            return None
        for network in self.networks:
            if address.version == network.version and address in network:
                return str(network)
        return None


@lru_cache(maxsize=8)
def parse_deny_list(text: str) -> DenyList:
    """"203.0.113.0/24, country:KP, asn:Example Hosting" -> DenyList; a malformed entry raises ValueError."""
    networks, countries, asns = [], set(), set()
    for raw in (text or "").split(","):
        entry = raw.strip()
        if not entry:
            continue
        if entry.lower().startswith("country:"):
            countries.add(entry[8:].strip().upper())
        elif entry.lower().startswith("asn:"):
            asns.add(entry[4:].strip().casefold())
        else:
            networks.append(ipaddress.ip_network(entry, strict=False))
    return DenyList(tuple(networks), frozenset(countries), frozenset(asns))


@dataclass(frozen=True)
class DetectionPolicy:
    lock_after: int
    lock_base: timedelta
    lock_max: timedelta
    lock_forget: timedelta
    disable_after: int
    stuffing_ip_failures: int
    stuffing_accounts: int
    notify_score: int
    step_up_score: int
    block_score: int
    travel_kmh: int
    notice_every: timedelta
    link_lifetime: timedelta
    deny: DenyList
    weights: dict = field(default_factory=dict)
    # Bounded history windows: scoring never reads more than these, whatever the table holds.
    history: timedelta = timedelta(days=90)
    history_rows: int = 200
    recent_change: timedelta = timedelta(hours=24)
    failures_window: timedelta = timedelta(hours=1)
    success_after_failures: int = 5
    step_up_minutes: int = 10
    step_up_max_failures: int = 5

    @property
    def network_accounts(self) -> int:
        return int(self.stuffing_accounts * 2.5)

    def lock_duration(self, locks_before: int) -> timedelta:
        """1 minute, 2, 4, 8, then 15 (the cap) for every later lock."""
        seconds = self.lock_base.total_seconds() * 2 ** min(locks_before, 20)
        return min(timedelta(seconds=seconds), self.lock_max)


def detection_policy(settings: Settings) -> DetectionPolicy:
    extra = settings.extra
    weights = {rule: int(extra.get(f"detection_weight_{rule}", weight)) for rule, weight in DEFAULT_WEIGHTS.items()}
    return DetectionPolicy(
        lock_after=settings.detection_lock_after_failures,
        lock_base=timedelta(seconds=settings.detection_lock_base_seconds),
        lock_max=timedelta(seconds=settings.detection_lock_max_seconds),
        lock_forget=timedelta(hours=settings.detection_lock_forget_hours),
        disable_after=settings.detection_disable_after_failures,
        stuffing_ip_failures=settings.detection_stuffing_ip_failures,
        stuffing_accounts=settings.detection_stuffing_accounts,
        notify_score=settings.detection_notify_score,
        step_up_score=settings.detection_step_up_score,
        block_score=settings.detection_block_score,
        travel_kmh=settings.detection_impossible_travel_kmh,
        notice_every=timedelta(minutes=settings.detection_notice_minutes),
        link_lifetime=timedelta(days=settings.detection_link_days),
        deny=parse_deny_list(settings.detection_deny_list),
        weights=weights,
    )
