"""flask-limiter wiring: per-IP, per-network-prefix and per-account (hashed email) keys, and the global sign-in
failure signal (counted, never a wall); storage from settings (memory or Redis)."""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Mapping

from flask import Flask, g, request
from flask_limiter import HeaderNames, Limiter
from limits import parse

from recovery.accounts.normalise import normalise_email
from recovery.web.context import client_ip, runtime

log = logging.getLogger(__name__)
NETWORK_PREFIX_V4, NETWORK_PREFIX_V6 = 24, 64

# flask-limiter writes its window's reset into Retry-After on every response of a limited route, raised to at
# least any Retry-After already there: a 503 asking for 5 seconds said an hour, and a 202 carried one too. Its
# value goes in X-RateLimit-Retry-After; Retry-After is the error handlers' own, on 429 and 503 only.
limiter = Limiter(key_func=lambda: client_ip() or "unknown", headers_enabled=True,
                  header_name_mapping={HeaderNames.RETRY_AFTER: "X-RateLimit-Retry-After"})


def seconds_until_allowed() -> int | None:
    """For a request the limiter refused: seconds until the limit that refused it lets one through again, or
    None when that cannot be told (the storage stopped answering between the refusal and this read)."""
    refused_by = limiter.current_limit
    if refused_by is None:
        return None
    try:
        reset_at = refused_by.reset_at  # reads the window from the storage (Redis in production)
    except Exception:  # noqa: BLE001 - like flask-limiter's own header code: a storage error must not be a 500
        return None
    return max(1, math.ceil(reset_at - time.time()))


def init_limiter(app: Flask) -> None:
    settings = runtime(app).settings
    app.config.update(
        RATELIMIT_ENABLED=settings.ratelimits_enabled,
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_uri,
        RATELIMIT_KEY_PREFIX=settings.ratelimit_key_prefix,
        RATELIMIT_STRATEGY="moving-window",
        # Redis unreachable: keep limiting per process rather than failing open or answering 500.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
    )
    limiter.init_app(app)


def submitted_email() -> str:
    """The email a form or JSON body names, normalised; rate limits key on its HMAC, never the address itself."""
    data = request.get_json(silent=True) if request.is_json else request.form
    raw = data.get("email", "") if isinstance(data, Mapping) else ""
    return normalise_email(raw if isinstance(raw, str) else "")


def email_key() -> str:
    return "email:" + runtime().tokens.key_for(submitted_email(), "ratelimit-email")


def network_key() -> str:
    """The client's /24 (IPv4) or /64 (IPv6): one attacker holds a whole IPv6 /64, and often a /24."""
    ip = client_ip() or ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return f"net:{ip or 'unknown'}"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = NETWORK_PREFIX_V4 if address.version == 4 else NETWORK_PREFIX_V6
    return "net:" + str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


_SIGNAL_ARGS = ("signin-attack", "global")


def _signal_args() -> tuple[str, ...]:
    return (runtime().settings.ratelimit_key_prefix, *_SIGNAL_ARGS)


def count_signin_failure() -> None:
    """One more failed sign-in in the count across every client: a signal (signin_under_attack), never a wall."""
    if not limiter.enabled:
        return
    try:
        limiter.limiter.hit(parse(runtime().settings.signin_attack_threshold), *_signal_args())
    except Exception:  # noqa: BLE001 - a signal lost to a storage error must not fail the sign-in
        log.warning("could not count a sign-in failure in the global signal", exc_info=True)


def signin_under_attack() -> bool:
    """Whether failed sign-ins across every client reached RECOVERY_SIGNIN_ATTACK_THRESHOLD (read once a request).

    Never refuses anything itself: detection steps up unfamiliar devices and raises an alert, and the
    per-prefix limit charges each failure more (signin_network_cost)."""
    if "signin_under_attack" not in g:
        g.signin_under_attack = _read_signal()
    return bool(g.signin_under_attack)


def _read_signal() -> bool:
    if not limiter.enabled:
        return False
    try:
        return not limiter.limiter.test(parse(runtime().settings.signin_attack_threshold), *_signal_args())
    except Exception:  # noqa: BLE001 - unreadable: no signal, the per-IP/prefix/account limits still hold
        log.warning("could not read the global sign-in failure signal", exc_info=True)
        return False


def signin_network_cost() -> int:
    """What a failed sign-in costs its network prefix: more while the global signal is up (tightened limit)."""
    return runtime().settings.signin_attack_network_cost if signin_under_attack() else 1


def auth_failed(_response) -> bool:
    """deduct_when for failure-only limits: the view sets g.auth_failed when credentials were wrong."""
    return bool(g.get("auth_failed"))
