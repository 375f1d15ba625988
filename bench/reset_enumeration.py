"""Does the reset request's timing tell a known address from an unknown one? Medians over interleaved runs.

    .venv/bin/python bench/reset_enumeration.py [--runs 2000] [--database-url URL]

Each round sends POST /api/v1/password-resets for a known active account, an unknown address and a locked
account, in a shuffled order, through the whole Flask stack and a committed transaction (SQLite file by
default; pass a PostgreSQL URL to measure that). Rate limits are off so every request does its full work.
Prints the median and spread of each path and the ratios of the medians (1.00 means indistinguishable).
The request only queues the work for a delivery worker (recovery/reset/service.py::queue_reset_request),
so no padding is involved: the paths are alike by construction, and this measures that they are.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recovery.accounts.models import User  # noqa: E402
from recovery.app import create_app  # noqa: E402
from recovery.migrate import upgrade  # noqa: E402
from recovery.web.context import runtime  # noqa: E402

PATHS = {"known": "known@example.com", "unknown": "nobody@example.com", "locked": "locked@example.com"}


def build_app(database_url: str | None, workdir: Path):
    url = database_url or f"sqlite:///{workdir / 'bench.db'}"
    upgrade(url)
    app = create_app({"env": "testing", "instance_dir": workdir, "database_url": url,
                      "secret_key": "bench-secret-key-that-is-long-enough-0123456789",
                      "base_url": "https://recovery.example.test", "ratelimits_enabled": False})
    suffix = random.randbytes(4).hex()  # a reused PostgreSQL database keeps earlier runs' accounts
    emails = {name: email.replace("@", f"+{suffix}@") for name, email in PATHS.items()}
    with app.app_context(), runtime(app).db.transaction() as session:
        now = runtime(app).clock.now()
        for name, email in emails.items():
            if name == "unknown":
                continue
            session.add(User(email=email, password_hash=runtime(app).passwords.hash("bench passphrase long"),
                             password_changed_at=now, role="user", status="locked" if name == "locked" else "active",
                             status_reason="bench", locale="en", created_at=now, email_verified_at=now))
    return app, emails


def measure(app, emails: dict[str, str], runs: int, warmup: int) -> dict[str, list[float]]:
    client = app.test_client()
    timings: dict[str, list[float]] = {name: [] for name in emails}
    order = list(emails)
    for round_no in range(warmup + runs):
        random.shuffle(order)
        for name in order:
            started = time.perf_counter_ns()
            response = client.post("/api/v1/password-resets", json={"email": emails[name]})
            elapsed = (time.perf_counter_ns() - started) / 1e6
            assert response.status_code == 202, response.get_data(as_text=True)
            if round_no >= warmup:
                timings[name].append(elapsed)
    return timings


def report(timings: dict[str, list[float]], dialect: str) -> None:
    print(f"reset request timing on {dialect}, "
          f"{len(timings['known'])} interleaved runs per path (ms)")
    print(f"{'path':<8} {'median':>8} {'p25':>8} {'p75':>8} {'p90':>8}")
    medians = {}
    for name, values in timings.items():
        q = statistics.quantiles(values, n=20)
        medians[name] = statistics.median(values)
        print(f"{name:<8} {medians[name]:8.3f} {q[4]:8.3f} {q[14]:8.3f} {q[17]:8.3f}")
    print(f"ratio known/unknown  = {medians['known'] / medians['unknown']:.3f}")
    print(f"ratio locked/unknown = {medians['locked'] / medians['unknown']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, emails = build_app(args.database_url, Path(tmp))
        try:
            report(measure(app, emails, args.runs, args.warmup), runtime(app).db.dialect)
        finally:
            runtime(app).db.dispose()


if __name__ == "__main__":
    main()
