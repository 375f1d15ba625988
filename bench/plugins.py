"""Where the figures of capabilities still being built plug in: they read "not available yet" until they land.

- recovery's TOTP step (figure 3): `bench/mfa_step.py`, owned by the MFA engineer (build, measure), used by
  bench/totp_figure.py; MFA steps in the mixed load (figure 9) are still to come.
- risk scoring per attempt with 10^3 and 10^6 prior events (figure 5): `bench/risk_scoring.py` (detection's
  engineer), its `run(database_url, runs)`.
- the agent queue at a million tickets (figure 6): `bench/ticket_queue.py`, wired in bench/queue_figure.py.

A module that exists but whose shape this runner does not know yet fails its row with that message rather
than inventing a number.
"""

from __future__ import annotations

import importlib
from types import ModuleType

MFA_PENDING = "recovery's second sign-in step (MFA, issue 4): bench/mfa_step.py has not landed yet"
RISK_PENDING = "risk scoring (detection, issue 6) has not landed yet"


def bench_module(name: str) -> ModuleType | None:
    """bench/<name>.py when it exists (another engineer's benchmark), else None."""
    try:
        return importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"bench.{name}" or (exc.name or "").startswith("recovery."):
            return None  # the benchmark, or the capability it measures, has not landed
        raise


def mfa_module() -> ModuleType | None:
    """bench/mfa_step.py when it has landed with the shape figure 3 uses (build, measure), else None."""
    module = bench_module("mfa_step")
    if module is None:
        return None
    if not all(hasattr(module, name) for name in ("build", "measure")):
        raise NotImplementedError("bench/mfa_step.py changed shape: adapt bench/totp_figure.py to it")
    return module


def risk_scoring(run) -> dict | None:
    """bench/risk_scoring.py's results ({1000: {median_ms, p90_ms}, 1000000: {...}, ratio, plans}) on a fresh
    database of the run; None until detection lands."""
    module = bench_module("risk_scoring")
    if module is None:
        return None
    if not hasattr(module, "run"):
        raise NotImplementedError("bench/risk_scoring.py changed shape: adapt bench/plugins.py to it")
    if run.postgres:
        return module.run(run.new_database("risk_small"), 60 if run.quick else 300, run.new_database("risk_large"))
    return module.run(None, 60 if run.quick else 300)
