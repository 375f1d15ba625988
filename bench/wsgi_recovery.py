"""recovery as the bench serves it: `gunicorn bench.wsgi_recovery:app`, settings from RECOVERY_* variables.

Rate limits are a setting without a RECOVERY_ variable, so this module sets them: BENCH_LIMITS=off (the
default) switches them off so every request does its full work; BENCH_LIMITS=high keeps the limiter and its
storage (Redis in the mixed load) on the path of every request, with limits no load here reaches.
"""

from __future__ import annotations

import dataclasses
import os

from recovery.app import create_app
from recovery.settings import Settings

HIGH = "1000000 per minute"


def bench_config(mode: str) -> dict:
    known = {f.name for f in dataclasses.fields(Settings)}  # settings of the capabilities that have landed
    # The bench's agent has no authenticator to type codes from: its console pages are measured as a signed-in
    # staff session; the MFA check they skip is one lookup.
    config: dict = {"staff_require_mfa": False} if "staff_require_mfa" in known else {}
    if mode == "off":
        return {**config, "ratelimits_enabled": False}
    if mode == "high":
        limits = ("signin_limits", "signup_limits", "signin_network_limits", "signin_attack_threshold",
                  "ticket_intake_limits", "mfa_failure_limits", "mfa_ip_limits")
        return {**config, "ratelimits_enabled": True, **{name: HIGH for name in limits if name in known},
                "extra": {"reset_per_email_limit": HIGH, "reset_request_ip_limit": HIGH,
                          "reset_confirm_ip_limit": HIGH}}
    raise ValueError(f"BENCH_LIMITS must be off or high, not {mode!r}")


app = create_app(bench_config(os.environ.get("BENCH_LIMITS", "off")))
