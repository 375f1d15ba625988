"""Figure 3's second-factor step: the median cost of one TOTP step, recovery against Flask-Security-Too.

recovery refuses a code's time step twice (replay), so its step cannot be looped under wrk with one
account; the MFA engineer's `bench/mfa_step.py` drives it in-process with a frozen clock moving one step per
sign-in. Flask-Security-Too is measured the same way here: the whole Flask stack through the test client,
a password step first (not timed), then the timed POST of a current code. The ratio is FST ms / recovery ms,
so, like the throughput ratios, above 1 means recovery is faster.
"""

from __future__ import annotations

import time

import pyotp

from bench import plugins
from bench.context import Run
from bench.recovery_server import PASSWORD

RUNS, QUICK_RUNS, WARMUP = 300, 60, 20
ACCEPT_JSON = {"Accept": "application/json"}


def fst_samples(run: Run, runs: int, warmup: int) -> list[float]:
    from bench.peers.fst_app import create_app, seed

    app = create_app(run.new_database("fst_totp"))
    email = "totp@example.com"
    totp = pyotp.TOTP(seed("known@example.com", PASSWORD, email, app))
    samples = []
    for round_no in range(warmup + runs):
        client = app.test_client()
        csrf = client.get("/login", headers=ACCEPT_JSON).get_json()["response"]["csrf_token"]
        first = client.post("/login", json={"email": email, "password": PASSWORD, "csrf_token": csrf})
        if not first.get_json()["response"].get("tf_required"):
            raise RuntimeError(f"Flask-Security-Too password step answered {first.status_code}")
        started = time.perf_counter_ns()
        second = client.post("/tf-validate", json={"code": totp.now(), "csrf_token": csrf})
        elapsed = (time.perf_counter_ns() - started) / 1e6
        if second.status_code != 200:
            raise RuntimeError(f"Flask-Security-Too /tf-validate answered {second.status_code}")
        if round_no >= warmup:
            samples.append(elapsed)
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()
    return samples


def recovery_samples(run: Run, runs: int, warmup: int) -> list[float] | None:
    module = plugins.mfa_module()
    if module is None:
        return None
    from recovery.web.context import runtime

    workdir = run.workdir / "mfa-instance"
    workdir.mkdir(exist_ok=True)
    app, clock, plain, with_mfa, secret = module.build(run.new_database("mfa"), workdir)
    try:
        return module.measure(app, clock, plain, with_mfa, secret, runs, warmup)["TOTP step"]
    finally:
        runtime(app).db.dispose()


def measure(run: Run) -> dict[str, list[float] | None]:
    runs = QUICK_RUNS if run.quick else RUNS
    return {"recovery": recovery_samples(run, runs, WARMUP), "fst": fst_samples(run, runs, WARMUP)}
