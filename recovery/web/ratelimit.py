"""flask-limiter wiring: per-IP, per-account (hashed email) and global keys; storage from settings (memory or Redis);
and the refusals that come before anything reads a request's body (too large: 413; over a per-IP limit: 429)."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping

from flask import Flask, current_app, g, request
from flask_limiter import HeaderNames, Limiter, RequestLimit
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_qualified_name
from werkzeug.exceptions import RequestEntityTooLarge

from recovery.accounts.normalise import normalise_email
from recovery.web.context import client_ip, runtime

# flask-limiter writes its window's reset into Retry-After on every response of a limited route, raised to at
# least any Retry-After already there: a 503 asking for 5 seconds said an hour, and a 202 carried one too. Its
# value goes in X-RateLimit-Retry-After; Retry-After is the error handlers' own, on 429 and 503 only.
log = logging.getLogger(__name__)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def ip_key() -> str:
    return client_ip() or "unknown"


limiter = Limiter(key_func=ip_key, headers_enabled=True,
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
    if settings.ratelimits_enabled and settings.ratelimit_storage_uri.startswith("memory://"):
        log.info("rate limits are counted in this process's memory: serve with one process (threads) or set "
                 "RECOVERY_RATELIMIT_STORAGE_URI to a shared storage (docs/operations.md)")


def init_early_refusals(app: Flask) -> None:
    """Registered before every hook that reads the body (the control-character check and CSRF read the form)."""
    app.before_request(refuse_before_reading_body)
    app.after_request(count_requests_refused_before_the_view)


def refuse_before_reading_body() -> None:
    """A body above the endpoint's size limit is 413 by its Content-Length, and a client already over one of the
    endpoint's per-IP limits is 429, before the body is read, let alone parsed as a multipart form."""
    if request.method not in _BODY_METHODS:
        return
    allowed = request.max_content_length
    if allowed is not None and (request.content_length or 0) > allowed:
        raise RequestEntityTooLarge()
    pending = _ip_limits_of_this_endpoint()
    for lim, args in pending:
        if not _within(lim, args):
            limiter.context.view_rate_limit = RequestLimit(limiter, lim.limit, args, True, lim.shared)  # Retry-After
            raise RateLimitExceeded(lim)
    g.ip_limits_pending = pending


def count_requests_refused_before_the_view(response):
    """A request refused before its view (a failed CSRF or input check, a body too large to read) counts against
    the endpoint's per-IP limits all the same: the view's own limits never ran for it, so they never counted it.
    Failure-only limits (wrong passwords or codes) are not charged: no credential was checked."""
    pending = g.pop("ip_limits_pending", None)
    if pending and not limiter.current_limits:
        for lim, args in pending:
            if lim.deduct_when is None:
                _hit(lim, args)
    return response


def _ip_limits_of_this_endpoint() -> list[tuple]:
    """(limit, storage arguments) of the decorated limits keyed by IP that apply to this request; a limit with an
    exemption is left to the view (its condition may need the signed-in user, not loaded yet)."""
    settings = runtime().settings
    view = current_app.view_functions.get(request.endpoint or "")
    if not settings.ratelimits_enabled or view is None:
        return []
    prefix = [settings.ratelimit_key_prefix] if settings.ratelimit_key_prefix else []
    try:
        limits = limiter.limit_manager.decorated_limits(get_qualified_name(view))
    except Exception:  # noqa: BLE001 - a limit that cannot be built here is refused by the view's own check
        return []
    return [(lim, [*prefix, ip_key(), lim.scope_for(request.endpoint or "", request.method)]) for lim in limits
            if lim.key_func is ip_key and not lim.method_exempt and lim.exempt_when is None]


def _within(lim, args) -> bool:
    try:
        return limiter.limiter.test(lim.limit, *args)
    except Exception:  # noqa: BLE001 - storage unreachable: the view's own check falls back to memory
        return True


def _hit(lim, args) -> None:
    try:
        limiter.limiter.hit(lim.limit, *args, cost=lim.deduction_amount)
    except Exception:  # noqa: BLE001 - as above
        log.warning("could not count a refused request against its per-IP limit")


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
