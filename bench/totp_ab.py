"""Figure 3's TOTP ratio in process, for A/B work on a shared machine: recovery's step against the least step.

    .venv/bin/python -m bench.totp_ab [--database-url URL] [--blocks 8] [--per-block 30]

What bench/totp_figure.py times, without Flask-Security-Too: on one app (bench/mfa_step.py's `build`, its
PostgreSQL database when given, else a SQLite file), recovery's `POST /api/v1/sessions/mfa` after an untimed
password step, and bench/totp_least.py's least replay-protected step on the same app and clock, in alternating
blocks after a warm-up. Prints the medians of recovery's wall and CPU ms (`time.process_time`), the least step's
wall ms, the bench's ratio (recovery wall / least wall) and the Python calls of one step (cProfile's count over
30). To compare two trees, run it from each in alternating processes against a database of each's own: the
ratio's wall clock moves with a neighbour's load, the CPU less, the call count not at all (docs/performance.md,
"TOTP step, fifth session").
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyotp

from bench import mfa_step
from bench.totp_least import LeastSteps
from recovery.web.context import runtime

WARMUP, PROFILED = 20, 30


class Steps:
    """recovery's TOTP steps on `app`: `timed(n)` answers the wall and CPU ms of n steps."""

    def __init__(self, app, clock, email: str, secret: str) -> None:
        self.client, self.clock, self.email, self.secret = app.test_client(), clock, email, secret

    def timed(self, n: int, profiler: cProfile.Profile | None = None) -> tuple[list[float], list[float]]:
        walls, cpus = [], []
        for _ in range(n):
            self.clock.advance(seconds=30)
            first = self.client.post("/api/v1/sessions", json={"email": self.email, "password": mfa_step.PASSWORD})
            body = {"mfa_token": first.get_json()["mfa_token"], "code": pyotp.TOTP(self.secret).at(self.clock.now())}
            if profiler is not None:
                profiler.enable()
            wall, cpu = time.perf_counter_ns(), time.process_time_ns()
            answer = self.client.post("/api/v1/sessions/mfa", json=body)
            cpus.append((time.process_time_ns() - cpu) / 1e6)
            walls.append((time.perf_counter_ns() - wall) / 1e6)
            if profiler is not None:
                profiler.disable()
            if answer.status_code != 201:
                raise RuntimeError(f"the TOTP step answered {answer.status_code}: {answer.get_data()[:300]!r}")
        return walls, cpus


def measure(database_url: str | None, workdir: Path, blocks: int, per_block: int) -> dict[str, float]:
    app, clock, _plain, with_mfa, secret = mfa_step.build(database_url, workdir)
    try:
        ours, least = Steps(app, clock, with_mfa, secret), LeastSteps(app, clock)
        ours.timed(WARMUP)
        least.samples(WARMUP)
        walls, cpus, floors = [], [], []
        for _ in range(blocks):
            wall, cpu = ours.timed(per_block)
            walls += wall
            cpus += cpu
            floors += least.samples(per_block)
        profiler = cProfile.Profile()
        ours.timed(PROFILED, profiler)
        calls = sum(row[1] for row in pstats.Stats(profiler).stats.values()) / PROFILED  # type: ignore[attr-defined]
    finally:
        runtime(app).db.dispose()
    wall, floor = statistics.median(walls), statistics.median(floors)
    return {"recovery wall ms": wall, "recovery cpu ms": statistics.median(cpus), "least wall ms": floor,
            "ratio": wall / floor, "python calls per step": calls}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.totp_ab", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--per-block", type=int, default=30)
    args = parser.parse_args(argv)
    logging.disable(logging.INFO)  # the access log of every request
    with tempfile.TemporaryDirectory() as workdir:
        got = measure(args.database_url, Path(workdir), args.blocks, args.per_block)
    print("  ".join(f"{name} {value:.3f}" if name != "python calls per step" else f"{name} {value:.0f}"
                    for name, value in got.items()))


if __name__ == "__main__":
    sys.exit(main())
