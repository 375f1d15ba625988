"""Equal time for answers that must not reveal whether an account exists (reset and appeal requests).

Services already do the same queries, signing and rendering for every address, but a known address also
writes rows (a link, a queued email), which costs about a millisecond more to flush and commit
(bench/reset_enumeration.py). Padding each answer to a high percentile of recent unpadded durations hides
that difference and follows the machine's speed, instead of a fixed delay that is either wasteful or, under
load, too short. Durations are kept per process and per scope; the padding runs after the commit.

The target cannot be trained down: it never falls below a fixed floor (`equal_time_floor_ms`, above the slow
path's usual duration), and it is the highest target of the last `hold` seconds, which time alone lowers, not
the number of answers: a run of fast unknown-address answers leaves the next known-address one padded as before.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from functools import wraps

from flask import Response, after_this_request, current_app, request

from recovery.web.context import runtime


def equal_time(scope: str | Callable[[], str], methods: tuple[str, ...] = ("POST",)) -> Callable:
    """Answers of the decorated view (page or API, any outcome) take as long as its slow path usually does.

    `scope` names the population of answers that must look alike; a callable chooses it per request (a view
    whose signed-in path is a different, heavier operation keeps its own percentiles).
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if request.method not in methods:
                return view(*args, **kwargs)
            name = scope() if callable(scope) else scope
            timing = current_app.extensions.get(f"equal_timing.{name}")
            if timing is None:
                floor = runtime().settings.equal_time_floor_ms / 1000
                timing = current_app.extensions.setdefault(f"equal_timing.{name}", EqualTiming(floor=floor))
            started = timing.start()

            @after_this_request
            def pad(response: Response) -> Response:  # runs after the request's commit
                timing.finish(started)
                return response

            return view(*args, **kwargs)

        return wrapper

    return decorate


class EqualTiming:
    """Pads to the higher of `floor` and the `quantile` of the last `window` durations, held for `hold` seconds
    when it was higher before (a high-water mark that only the clock lowers, never below the floor). Where the
    work itself can be made equal, that is better (sign-in refusals and reset requests are: docs/security.md):
    with sync workers each padded answer holds a worker for the whole wait."""

    def __init__(self, *, floor: float = 0.0, window: int = 256, quantile: float = 0.99, warmup: int = 16,
                 hold: float = 600.0, now: Callable[[], float] = time.perf_counter,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._recent: deque[float] = deque(maxlen=window)
        self._floor = floor
        self._quantile = quantile
        self._warmup = warmup
        self._hold = hold
        self._high_water: tuple[float, float] | None = None  # (target, when it was last reached)
        self._lock = threading.Lock()
        self._now = now
        self._sleep = sleep

    def start(self) -> float:
        return self._now()

    def finish(self, started: float) -> float:
        """Record this answer's own duration, then wait until the target; returns the seconds waited."""
        finished = self._now()
        elapsed = finished - started
        with self._lock:
            target = self._held(max(self._floor, self._learned()), finished)
            self._recent.append(elapsed)
        wait = max(0.0, target - elapsed)
        if wait:
            self._sleep(wait)
        return wait

    def _learned(self) -> float:
        if not self._recent:
            return 0.0
        ordered = sorted(self._recent)
        if len(ordered) < self._warmup:
            return ordered[-1]
        return ordered[min(len(ordered) - 1, int(self._quantile * len(ordered)))]

    def _held(self, target: float, now: float) -> float:
        """The high-water mark: a lower target takes over only once the higher one is `hold` seconds old."""
        if self._high_water is not None:
            held, since = self._high_water
            if target < held and now - since <= self._hold:
                return held
        self._high_water = (target, now)
        return target
