"""One measured load: wrk against a server for the run's duration, with every answer checked.

A load whose answers are not what the scenario expects (a 401 where a sign-in should succeed, a 403 for a
missing CSRF token) fails loudly instead of being reported as fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from bench import wrk
from bench.context import Run
from bench.procs import Proc, group_cpu_seconds

T = TypeVar("T")


class LoadFailed(RuntimeError):
    """The load ran but its answers were wrong; the message gives the statuses seen."""


WARM_UP_SECONDS, QUICK_WARM_UP_SECONDS = 3.0, 1.0
ROUNDS = 2  # loads compared with each other run in this many parts, alternating (see measure_in_rounds)


def warm_up(run: Run, proc: Proc, requests: list[wrk.Request], name: str) -> None:
    """An unmeasured load first: each worker imports what its first requests need (the geolocation data, the
    user-agent parser, templates) and fills its pools, as a server that has been up a while has."""
    wrk.run(proc.url, requests, seconds=QUICK_WARM_UP_SECONDS if run.quick
            else WARM_UP_SECONDS, connections=run.connections, workdir=run.workdir, name=f"{name}-warm-up")


def measure(run: Run, proc: Proc, name: str, requests: list[wrk.Request], expected: set[int], *,
            seconds: float | None = None, connections: int | None = None, min_share: float = 0.99) -> wrk.Result:
    warm_up(run, proc, requests, name)
    cpu_before = group_cpu_seconds(proc)
    result = wrk.run(proc.url, requests, seconds=seconds or run.seconds, connections=connections or run.connections,
                     workdir=run.workdir, name=name)
    result.server_cpu_seconds = group_cpu_seconds(proc) - cpu_before
    share = result.share(expected)
    if share < min_share or result.requests == 0:
        raise LoadFailed(f"{name}: {share:.1%} of {result.requests} answers had status {sorted(expected)} "
                         f"(seen {result.statuses}, socket errors {result.socket_errors}); "
                         f"server log: {run.workdir / (proc.name + '.log')}")
    print(f"  {name:<34} {result.rate_of(expected):9.1f} req/s  p50 {result.p50_ms:7.1f} ms  "
          f"p99 {result.p99_ms:7.1f} ms  cpu {result.cpu_ms_per(expected) or 0:6.1f} ms/req  {result.statuses}",
          flush=True)
    return result


def attempt(label: str, action: Callable[[], T], errors: dict[str, str]) -> T | None:
    """Run one measurement; a failure is recorded under `label` (shown in the table) and the run goes on."""
    try:
        return action()
    except Exception as exc:  # one broken figure must not take the others down
        errors[label] = f"{type(exc).__name__}: {exc}"
        print(f"  {label}: FAILED: {errors[label][:400]}", flush=True)
        return None


@dataclass(frozen=True)
class Load:
    label: str  # the key of its result (and of its error in `errors`)
    proc: Proc
    name: str
    requests: list[wrk.Request]
    expected: set[int]


def rounds_of(run: Run) -> int:
    return 1 if run.quick else ROUNDS  # --quick keeps each load at about 5 s, as it promises


def measure_in_rounds(run: Run, loads: list[Load], errors: dict[str, str],
                      before_round: Callable[[], None] | None = None) -> dict[str, wrk.Result | None]:
    """Loads that are compared with each other, each in rounds_of(run) parts of equal length, every other
    round in reverse order, so a drift of the machine's speed weighs on each of them rather than on whichever
    ran when it happened; the parts combine into one result per label (None when a part failed: its error
    says why). `before_round` runs before each round (the argon2 floor of figure 1)."""
    rounds = rounds_of(run)
    parts: dict[str, list[wrk.Result | None]] = {}
    for round_no in range(rounds):
        if before_round is not None:
            before_round()
        for load in loads if round_no % 2 == 0 else loads[::-1]:
            part = attempt(load.label, partial(measure, run, load.proc, f"{load.name}-{round_no + 1}", load.requests,
                                               load.expected, seconds=run.seconds / rounds), errors)
            parts.setdefault(load.label, []).append(part)
    return {label: wrk.combine([r for r in results if r is not None]) if None not in results else None
            for label, results in parts.items()}
