"""flask-limiter wiring: `limit(*names)`, the one factory of view limits (built from the rows of
`recovery.web.limit_table`), the global sign-in failure signal (counted, never a wall), a time-bounded storage,
and fail-closed or open limits; and the refusals that come before anything reads a request's body (too large:
413; over a per-IP limit: 429)."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from flask import Flask, current_app, g, has_request_context, request
from flask_limiter import HeaderNames, Limiter, RequestLimit
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_qualified_name
from limits import RateLimitItem, parse
from limits.strategies import RateLimiter
from limits.util import WindowStats
from redis.backoff import NoBackoff
from redis.retry import Retry
from werkzeug.exceptions import RequestEntityTooLarge

from recovery.errors import ServiceUnavailable
from recovery.web.context import runtime
from recovery.web.cookies import DEVICE, read_cookie
from recovery.web.limit_table import FAIL_CLOSED, LIMITS, LimitRow, familiar_device, ip_key, network_key

log = logging.getLogger(__name__)

_PAUSE_SECONDS = 2.0  # after a storage error, calls fail at once for this long: a frozen Redis costs one timeout


class LimitsUnavailable(ServiceUnavailable):
    """A fail-closed limit could not be checked: its storage is unreachable."""


class _GuardedStrategy(RateLimiter):
    """The limits strategy behind flask-limiter, made to fail fast and to record which limits went unchecked.

    A storage error does not propagate: the limit counts as passed, its scope is recorded for the request
    (`RecoveryLimiter` refuses the request when it is fail-closed), and for `_PAUSE_SECONDS` no call reaches
    the storage, so a Redis that stopped answering costs a request nothing after the first timeout.
    """

    def __init__(self, strategy: RateLimiter) -> None:
        super().__init__(strategy.storage)
        self.strategy = strategy
        self._paused_until = 0.0

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        return self._guarded(self.strategy.hit, item, identifiers, cost)

    def test(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        return self._guarded(self.strategy.test, item, identifiers, cost)

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        if time.monotonic() < self._paused_until:
            raise ConnectionError("rate-limit storage paused after an error")
        return self.strategy.get_window_stats(item, *identifiers)

    def clear(self, item: RateLimitItem, *identifiers: str) -> None:
        self.strategy.clear(item, *identifiers)

    def _guarded(self, call, item: RateLimitItem, identifiers: tuple[str, ...], cost: int) -> bool:
        if time.monotonic() >= self._paused_until:
            try:
                return call(item, *identifiers, cost=cost)
            except Exception as error:  # noqa: BLE001 - any storage failure: the limit's own choice decides
                self._paused_until = time.monotonic() + _PAUSE_SECONDS
                log.warning("rate-limit storage unreachable (%s): fail-closed limits answer 503 for %s s",
                            type(error).__name__, _PAUSE_SECONDS)
        if has_request_context():
            g.setdefault("limits_unchecked", set()).add(identifiers[-1] if identifiers else "")
        return True


class RecoveryLimiter(Limiter):
    """flask-limiter with `_GuardedStrategy` in front of its storage and a 503 when a fail-closed limit went
    unchecked. Overrides `_check_request_limit`, the one method flask-limiter 4 runs every check through."""

    _guard: _GuardedStrategy | None = None

    @property
    def limiter(self) -> RateLimiter:
        strategy = super().limiter
        if self._guard is None or self._guard.strategy is not strategy:
            self._guard = _GuardedStrategy(strategy)
        return self._guard

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)
        refuse_if_unchecked()

    def forget_unchecked(self) -> None:
        """No X-RateLimit headers for a request whose limits could not be read (each would be one more wait)."""
        self.context.view_rate_limit = None
        self.context.view_rate_limits.clear()


def refuse_if_unchecked() -> None:
    """LimitsUnavailable (503) when a fail-closed limit of this request could not reach its storage."""
    unchecked = g.get("limits_unchecked")
    if not unchecked:
        return
    limiter.forget_unchecked()
    if unchecked & FAIL_CLOSED:
        raise LimitsUnavailable()


# flask-limiter writes its window's reset into Retry-After on every response of a limited route, raised to at
# least any Retry-After already there: a 503 asking for 5 seconds said an hour, and a 202 carried one too. Its
# value goes in X-RateLimit-Retry-After; Retry-After is the error handlers' own, on 429 and 503 only.
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


limiter = RecoveryLimiter(key_func=ip_key, headers_enabled=True,
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
        RATELIMIT_STORAGE_OPTIONS=_storage_options(settings.ratelimit_storage_uri,
                                                   settings.ratelimit_storage_timeout_seconds),
        # Storage unreachable: each limit's choice (FAIL_CLOSED), never flask-limiter's per-process fallback,
        # which would silently multiply every budget by the number of processes. Swallowing stays on for the
        # X-RateLimit headers, read after the view: a header is not worth a 500.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=False,
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
            g.refused_before_body = True  # the 429 handler reads a form again only if small and its own (errors.py)
            raise RateLimitExceeded(lim)
    refuse_if_unchecked()  # storage unreachable: a fail-closed limit answers 503 before the body too
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
    """(limit, storage arguments) of the decorated limits keyed by IP or network (what needs no body) that apply
    to this request; a limit with an exemption is left to the view (its condition may need the signed-in user,
    not loaded yet)."""
    settings = runtime().settings
    view = current_app.view_functions.get(request.endpoint or "")
    if not settings.ratelimits_enabled or view is None:
        return []
    prefix = [settings.ratelimit_key_prefix] if settings.ratelimit_key_prefix else []
    try:
        limits = limiter.limit_manager.decorated_limits(get_qualified_name(view))
    except Exception:  # noqa: BLE001 - a limit that cannot be built here is refused by the view's own check
        return []
    return [(lim, [*prefix, lim.key_func(), lim.scope_for(request.endpoint or "", request.method)]) for lim in limits
            if lim.key_func in (ip_key, network_key) and not lim.method_exempt and _decided_without_the_body(lim)]


def _decided_without_the_body(lim) -> bool:
    """A limit without an exemption; or the familiar-device one when the request carries no device cookie (its
    check needs the email in the body, and without an intact cookie no browser can be familiar)."""
    if lim.exempt_when is None:
        return True
    return lim.exempt_when is familiar_device and read_cookie(DEVICE) is None


def _within(lim, args) -> bool:
    """The guarded strategy never raises: an unreachable storage passes here and the view's own check answers
    for it (503 for a fail-closed limit, on for an open one)."""
    return limiter.limiter.test(lim.limit, *args)


def _hit(lim, args) -> None:
    limiter.limiter.hit(lim.limit, *args, cost=lim.deduction_amount)


def _storage_options(uri: str, timeout: float) -> dict:
    """Redis: connecting and each reply bounded by `timeout`, no retry (redis-py retries 3 times with backoff by
    default, several seconds of a request's time); the guard's pause spares the next requests."""
    if not uri.startswith(("redis", "rediss")):
        return {}
    return {"socket_connect_timeout": timeout, "socket_timeout": timeout, "retry": Retry(NoBackoff(), 0)}


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


# What a limit counts: the requests that change something (a page's GET is never counted).
CHANGE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def limit(*names: str) -> Callable[[Callable], Callable]:
    """The decorator of a view counted by the named rows of `recovery.web.limit_table`, checked in this order."""
    rows = [LIMITS[name] for name in names]  # KeyError at import: a view names a limit no row declares

    def decorate(view: Callable) -> Callable:
        for row in rows:
            view = _route_limit(row)(view)
        return view

    return decorate


def _route_limit(row: LimitRow):
    return limiter.shared_limit(lambda: row.amount(runtime().settings), row.stored_as, key_func=row.key,
                                deduct_when=auth_failed if row.failures_only else None,
                                cost=signin_network_cost if row.costlier_under_attack else 1,
                                exempt_when=row.exempt_when, methods=list(CHANGE_METHODS))
