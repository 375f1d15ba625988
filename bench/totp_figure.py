"""Figure 3's second-factor step: the median cost of one TOTP step, recovery against Flask-Security-Too.

recovery refuses a code's time step twice (replay), so its step cannot be looped under wrk with one
account; the MFA engineer's `bench/mfa_step.py` drives it in-process with a frozen clock moving one step per
sign-in. Flask-Security-Too is measured the same way here: the whole Flask stack through the test client,
a password step first (not timed), then the timed POST of a current code. The two are measured in ten
alternating blocks after a warm-up each. The ratio is FST ms / recovery ms, so, like the throughput ratios,
above 1 means recovery is faster. The least replay-protected step (bench/totp_least.py) runs in the same
blocks: its own row has no target, and the TOTP step's target (issue 17) is within 1.5x of it.
"""

from __future__ import annotations

import statistics
import time

import pyotp

from bench import plugins
from bench.context import Run
from bench.loads import attempt
from bench.recovery_server import PASSWORD
from bench.table import Row, pending, ratio_of
from bench.totp_least import LeastSteps

RUNS, QUICK_RUNS, WARMUP, BLOCKS = 300, 60, 20, 10
FST = "Flask-Security-Too"
ACCEPT_JSON = {"Accept": "application/json"}


class FstSteps:
    """Flask-Security-Too's app with a TOTP account: `samples(n)` times n second steps, a password step before
    each (not timed)."""

    def __init__(self, run: Run) -> None:
        from bench.peers.fst_app import create_app, seed

        self.app = create_app(run.new_database("fst_totp"))
        self.email = "totp@example.com"
        self.totp = pyotp.TOTP(seed("known@example.com", PASSWORD, self.email, self.app))

    def samples(self, n: int) -> list[float]:
        return [self._one() for _ in range(n)]

    def _one(self) -> float:
        client = self.app.test_client()
        csrf = client.get("/login", headers=ACCEPT_JSON).get_json()["response"]["csrf_token"]
        first = client.post("/login", json={"email": self.email, "password": PASSWORD, "csrf_token": csrf})
        if not first.get_json()["response"].get("tf_required"):
            raise RuntimeError(f"Flask-Security-Too password step answered {first.status_code}")
        started = time.perf_counter_ns()
        second = client.post("/tf-validate", json={"code": self.totp.now(), "csrf_token": csrf})
        elapsed = (time.perf_counter_ns() - started) / 1e6
        if second.status_code != 200:
            raise RuntimeError(f"Flask-Security-Too /tf-validate answered {second.status_code}")
        return elapsed

    def close(self) -> None:
        with self.app.app_context():
            self.app.extensions["sqlalchemy"].engine.dispose()


class RecoverySteps:
    """recovery's app through the MFA engineer's bench/mfa_step.py: `samples(n)` times n TOTP steps."""

    def __init__(self, run: Run, module) -> None:
        workdir = run.workdir / "mfa-instance"
        workdir.mkdir(exist_ok=True)
        self.module = module
        self.app, self.clock, *self.accounts = module.build(run.new_database("mfa"), workdir)

    def samples(self, n: int) -> list[float]:
        return self.module.measure(self.app, self.clock, *self.accounts, n, 0)["TOTP step"]

    def close(self) -> None:
        from recovery.web.context import runtime

        runtime(self.app).db.dispose()


def measure(run: Run, errors: dict[str, str]) -> dict[str, list[float] | None]:
    """Every side warmed up, then measured in alternating blocks, so a neighbour's burst on a shared machine
    (or the database's own background work after an earlier load) weighs on each side of the ratios."""
    runs = QUICK_RUNS if run.quick else RUNS
    module = plugins.mfa_module()
    fst = FstSteps(run)
    recovery = RecoverySteps(run, module) if module is not None else None
    try:
        # The least replay-protected step, on recovery's app and clock (bench/totp_least.py): no target, so a
        # failure of its own leaves the figure's two sides measured and says why in its own row.
        least = attempt("totp_least", lambda: LeastSteps(recovery.app, recovery.clock), errors) \
            if recovery is not None else None
        sides = [side for side in (recovery, fst, least) if side is not None]

        def sample(side, n: int) -> list[float]:
            if side is not least:
                return side.samples(n)
            return [] if "totp_least" in errors else attempt("totp_least", lambda: side.samples(n), errors) or []

        for side in sides:
            sample(side, WARMUP)
        got: dict[object, list[float]] = {side: [] for side in sides}
        for _ in range(BLOCKS):
            for side in sides:
                got[side] += sample(side, runs // BLOCKS)
        return {"recovery": got.get(recovery), "fst": got[fst], "least": got.get(least)}
    finally:
        fst.close()
        if recovery is not None:
            recovery.close()


def least_rows(totp: dict | None, errors: dict[str, str]) -> list[Row]:
    """No target: the least a replay-protected step does; recovery's step is held to 1.5x of it (auth_figures)."""
    label = "3 TOTP step floor: the least replay-protected step (bare Flask, Core; bench/totp_least.py)"
    if "totp_least" in errors:
        return [pending(label, "ms", f"least step failed: {errors['totp_least']}"[:600], missing="failed")]
    if totp is None or not totp.get("least"):
        return []
    fst, least = statistics.median(totp["fst"]), statistics.median(totp["least"])
    return [Row(f"{label}, n={len(totp['least'])}", least, "ms", peer=FST, peer_value=fst,
                ratio=ratio_of(fst, least))]
