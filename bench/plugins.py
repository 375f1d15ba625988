"""Where the figures of capabilities still being built plug in: they read "not available yet" until they land.

- recovery's TOTP step (figure 3) and MFA steps in the mixed load (figure 9): `bench/mfa_step.py`, owned by
  the MFA engineer, once it exists.
- risk scoring per attempt with 10^3 and 10^6 prior events (figure 5): the detection capability (issue 6).
- the agent queue at a million tickets (figure 6): `bench/ticket_queue.py`, wired in bench/queue_figure.py.

A module that exists but whose shape this runner does not know yet fails its row with that message rather
than inventing a number.
"""

from __future__ import annotations

import importlib
from types import ModuleType

MFA_PENDING = "recovery's second sign-in step (MFA, issue 4) is not in bench/mfa_step.py yet"
RISK_PENDING = "risk scoring (detection, issue 6) has not landed yet"


def bench_module(name: str) -> ModuleType | None:
    """bench/<name>.py when it exists (another engineer's benchmark), else None."""
    try:
        return importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"bench.{name}":
            return None
        raise


def mfa_step(run, recovery) -> float | None:
    """Successful TOTP second steps per second through recovery's gunicorn; None until the MFA bench lands."""
    module = bench_module("mfa_step")
    if module is None:
        return None
    raise NotImplementedError("bench/mfa_step.py has landed: wire its functions into bench/plugins.py")


def risk_scoring(run):
    """(cost with 10^3 prior events, cost with 10^6) per attempt, in ms; None until detection lands."""
    module = bench_module("risk_scoring")
    if module is None:
        return None
    raise NotImplementedError("bench/risk_scoring.py has landed: wire its functions into bench/plugins.py")
