"""flask-limiter wiring: per-IP, per-account (hashed email) and global keys; storage from settings (memory or Redis)."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

from flask import Flask, g, request
from flask_limiter import HeaderNames, Limiter

from recovery.accounts.normalise import normalise_email
from recovery.web.context import client_ip, runtime

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


def global_key() -> str:
    return "global"


def auth_failed(_response) -> bool:
    """deduct_when for failure-only limits: the view sets g.auth_failed when credentials were wrong."""
    return bool(g.get("auth_failed"))
