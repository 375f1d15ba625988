"""Pure rule functions: each looks at one attempt and a bounded history and says whether it fires.

No database, no clock, no settings object: everything arrives as arguments, so each rule is table-tested.
Findings carry a weight (from the policy) and the evidence that made them fire.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from recovery.detection.policy import DetectionPolicy

_MIN_TRAVEL_KM = 300  # closer than this, city-level geolocation is too rough to call travel impossible


@dataclass(frozen=True)
class Seen:
    """One sign-in attempt as the rules see it (the one being judged, or a past success)."""

    at: datetime
    ip: str | None = None
    network: str | None = None
    country: str | None = None
    asn: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    device_key: str | None = None
    under_attack: bool = False  # failed sign-ins across every client are over the threshold (a signal)


@dataclass(frozen=True)
class History:
    # Newest first, within the policy's window: recent successes, or what the rules can tell apart of them for
    # the attempt being judged (queries.account_history: one per country at its latest time, with a network or
    # ASN only where it is the attempt's, and the latest success with coordinates).
    successes: tuple[Seen, ...] = ()
    known_devices: frozenset[str] = frozenset()
    recent_failures: int = 0  # this account's failures within the failures window
    credential_changed_at: datetime | None = None  # the latest password or MFA change, when recent
    has_second_factor: bool = False  # an active authenticator: not scored, but the sign-in asks for it next


@dataclass(frozen=True)
class SourceCounts:
    ip_failures: int = 0  # failures from the IP across accounts, last 24 hours
    ip_accounts: int = 0  # distinct accounts tried from the IP, last hour
    network_accounts: int = 0  # distinct accounts tried from the network, last hour


@dataclass(frozen=True)
class Finding:
    rule: str
    weight: int
    detail: dict


def _finding(policy: DetectionPolicy, rule: str, **detail: object) -> Finding:
    return Finding(rule, policy.weights.get(rule, 0), detail)


def new_device(attempt: Seen, history: History, policy: DetectionPolicy) -> Finding | None:
    if not history.successes or attempt.device_key is None or attempt.device_key in history.known_devices:
        return None
    return _finding(policy, "new_device")


def new_country(attempt: Seen, history: History, policy: DetectionPolicy) -> Finding | None:
    seen = {s.country for s in history.successes if s.country}
    if not seen or not attempt.country or attempt.country in seen:
        return None
    return _finding(policy, "new_country", country=attempt.country, known=sorted(seen)[:10])


def new_network(attempt: Seen, history: History, policy: DetectionPolicy) -> Finding | None:
    if not history.successes or not attempt.network:
        return None
    if any(s.network == attempt.network or (attempt.asn and s.asn == attempt.asn) for s in history.successes):
        return None
    return _finding(policy, "new_network", network=attempt.network, asn=attempt.asn)


def distance_km(a: Seen, b: Seen) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))  # type: ignore[arg-type]
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def impossible_travel(attempt: Seen, history: History, policy: DetectionPolicy) -> Finding | None:
    """From the previous successful sign-in to this one faster than an airliner flies."""
    previous = next((s for s in history.successes if s.latitude is not None and s.longitude is not None), None)
    if previous is None or attempt.latitude is None or attempt.longitude is None:
        return None
    km = distance_km(previous, attempt)
    hours = max((attempt.at - previous.at).total_seconds() / 3600, 1 / 60)
    speed = km / hours
    if km < _MIN_TRAVEL_KM or speed <= policy.travel_kmh:
        return None
    return _finding(policy, "impossible_travel", km=round(km), hours=round(hours, 2), kmh=round(speed),
                    previous_country=previous.country)


def after_credential_change(attempt: Seen, history: History, policy: DetectionPolicy) -> Finding | None:
    """A new device right after the password or second factor changed: how a takeover settles in."""
    changed = history.credential_changed_at
    if changed is None or attempt.at - changed > policy.recent_change or attempt.at < changed:
        return None
    if attempt.device_key is not None and attempt.device_key in history.known_devices:
        return None
    return _finding(policy, "after_credential_change", changed_at=changed.isoformat())


def success_after_failures(attempt: Seen, history: History, policy: DetectionPolicy) -> Finding | None:
    if history.recent_failures < policy.success_after_failures:
        return None
    return _finding(policy, "success_after_failures", failures=history.recent_failures)


def deny_listed(attempt: Seen, history: History, policy: DetectionPolicy) -> Finding | None:
    entry = policy.deny.matches(attempt.ip, attempt.country, attempt.asn)
    return _finding(policy, "deny_listed", entry=entry) if entry else None


def unfamiliar_during_attack(attempt: Seen, history: History, policy: DetectionPolicy) -> Finding | None:
    """While sign-ins fail everywhere (a spread attack), a device the account has not used steps up: the
    finding sets a floor on the action (scoring.STEP_UP_FLOOR), so its weight alone never blocks anyone."""
    if not attempt.under_attack:
        return None
    if attempt.device_key is not None and attempt.device_key in history.known_devices:
        return None
    return _finding(policy, "unfamiliar_during_attack")


SIGNIN_RULES = (deny_listed, new_device, new_country, new_network, impossible_travel, after_credential_change,
                success_after_failures, unfamiliar_during_attack)


def evaluate(attempt: Seen, history: History, policy: DetectionPolicy) -> list[Finding]:
    return [finding for rule in SIGNIN_RULES if (finding := rule(attempt, history, policy)) is not None]


def credential_stuffing(counts: SourceCounts, policy: DetectionPolicy) -> Finding | None:
    """One source failing across many accounts: throttle it (the caller) and raise an alert."""
    tripped = {}
    if counts.ip_failures >= policy.stuffing_ip_failures:
        tripped["ip_failures"] = counts.ip_failures
    if counts.ip_accounts >= policy.stuffing_accounts:
        tripped["ip_accounts"] = counts.ip_accounts
    if counts.network_accounts >= policy.network_accounts:
        tripped["network_accounts"] = counts.network_accounts
    return Finding("credential_stuffing", 0, tripped) if tripped else None


# --- brute force on one account: the temporary lock that grows, and disabling the password ----------------

@dataclass(frozen=True)
class LockState:
    failures: int = 0
    locks: int = 0
    locked_until: datetime | None = None
    last_failure_at: datetime | None = None
    password_disabled_at: datetime | None = None


def is_locked(state: LockState, now: datetime) -> bool:
    return state.password_disabled_at is not None or (state.locked_until is not None and now < state.locked_until)


def forget_if_quiet(state: LockState, now: datetime, policy: DetectionPolicy) -> LockState:
    """Twelve quiet hours (by default) wipe the count and the doubling; a disabled password stays disabled."""
    if state.password_disabled_at is None and state.last_failure_at is not None \
            and now - state.last_failure_at >= policy.lock_forget and not is_locked(state, now):
        return LockState()
    return state


def after_failure(state: LockState, now: datetime, policy: DetectionPolicy) -> tuple[LockState, str | None]:
    """The state after a wrong password, and what happened: None, "locked" or "disabled".

    A failure while locked does not count (the caller never calls this then). Every `lock_after`-th
    consecutive failure locks for the next duration in 1, 2, 4, 8, 15, 15 ... minutes; the
    `disable_after`-th disables the password until a reset, so no attacker can lock anyone out for good
    short of that, and that one a reset ends.
    """
    state = forget_if_quiet(state, now, policy)
    failures = state.failures + 1
    state = replace(state, failures=failures, last_failure_at=now)
    if failures >= policy.disable_after:
        return replace(state, password_disabled_at=now, locked_until=None), "disabled"
    if failures % policy.lock_after == 0:
        until = now + policy.lock_duration(state.locks)
        return replace(state, locks=state.locks + 1, locked_until=until), "locked"
    return state, None


def lock_remaining(state: LockState, now: datetime) -> timedelta | None:
    if state.locked_until is None or now >= state.locked_until:
        return None
    return state.locked_until - now
