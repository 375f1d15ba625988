"""What the second factor costs a sign-in: medians of the password step alone and of password + TOTP step.

    .venv/bin/python bench/mfa_step.py [--runs 300] [--database-url URL]

Through the whole Flask stack and committed transactions (SQLite file by default; pass a PostgreSQL URL to
measure that), with the production argon2 parameters (the password step dominates) and rate limits off.
A frozen clock moves one 30-second step per sign-in, because a code works once per step. Prints the median
and 90th percentile of: POST /api/v1/sessions for an account without MFA (201), the same for an account with
MFA (200 + mfa_token), POST /api/v1/sessions/mfa with a TOTP code (201), and the share the MFA step adds.
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

import pyotp  # noqa: E402

from recovery.accounts import service as accounts  # noqa: E402
from recovery.app import create_app  # noqa: E402
from recovery.clock import FrozenClock  # noqa: E402
from recovery.mfa import service as mfa  # noqa: E402
from recovery.migrate import upgrade  # noqa: E402
from recovery.web.context import app_service_context, runtime  # noqa: E402

PASSWORD = "bench passphrase that is long enough"  # noqa: S105 - a benchmark account's password


def build(database_url: str | None, workdir: Path):
    url = database_url or f"sqlite:///{workdir / 'bench.db'}"
    upgrade(url)
    clock = FrozenClock()
    app = create_app({"env": "testing", "instance_dir": workdir, "database_url": url,
                      "secret_key": "bench-secret-key-that-is-long-enough-0123456789",
                      "base_url": "https://recovery.example.test", "ratelimits_enabled": False,
                      "require_email_verification": False}, clock=clock)
    suffix = random.randbytes(4).hex()  # a reused PostgreSQL database keeps earlier runs' accounts
    plain, with_mfa = f"plain+{suffix}@example.com", f"mfa+{suffix}@example.com"
    with app.app_context(), runtime(app).db.transaction() as session:
        ctx = app_service_context(app, session)
        accounts.sign_up(ctx, plain, PASSWORD)
        secret = enrolled_account(ctx, with_mfa)[1]
    return app, clock, plain, with_mfa, secret


def enrolled_account(ctx, email: str) -> tuple[int, str]:
    """A new account with PASSWORD and a confirmed authenticator, by recovery's own services: its id and TOTP
    secret."""
    accounts.sign_up(ctx, email, PASSWORD)
    user = accounts.get_user_by_email(ctx, email)
    secret = mfa.begin_enrollment(ctx, user).secret
    mfa.confirm_enrollment(ctx, user, pyotp.TOTP(secret).at(ctx.clock.now()))
    return user.id, secret


def timed(client, path: str, body: dict) -> tuple[float, object]:
    started = time.perf_counter_ns()
    response = client.post(path, json=body)
    return (time.perf_counter_ns() - started) / 1e6, response


def measure(app, clock, plain, with_mfa, secret, runs: int, warmup: int) -> dict[str, list[float]]:
    client = app.test_client()
    out: dict[str, list[float]] = {"password only": [], "password (MFA account)": [], "TOTP step": []}
    for round_no in range(warmup + runs):
        clock.advance(seconds=30)
        ms_plain, r1 = timed(client, "/api/v1/sessions", {"email": plain, "password": PASSWORD})
        ms_pw, r2 = timed(client, "/api/v1/sessions", {"email": with_mfa, "password": PASSWORD})
        ms_code, r3 = timed(client, "/api/v1/sessions/mfa", {"mfa_token": r2.get_json()["mfa_token"],
                                                              "code": pyotp.TOTP(secret).at(clock.now())})
        assert (r1.status_code, r2.status_code, r3.status_code) == (201, 200, 201), (r1, r2, r3.get_json())
        if round_no >= warmup:
            out["password only"].append(ms_plain)
            out["password (MFA account)"].append(ms_pw)
            out["TOTP step"].append(ms_code)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        app, clock, plain, with_mfa, secret = build(args.database_url, Path(workdir))
        timings = measure(app, clock, plain, with_mfa, secret, args.runs, args.warmup)
        runtime(app).db.dispose()
    print(f"{'path':<26}{'median ms':>12}{'p90 ms':>10}")
    for name, values in timings.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{name:<26}{statistics.median(values):>12.2f}{p90:>10.2f}")
    base = statistics.median(timings["password only"])
    total = statistics.median(timings["password (MFA account)"]) + statistics.median(timings["TOTP step"])
    print(f"sign-in with MFA / without: {total / base:.2f}x "
          f"(the TOTP step adds {statistics.median(timings['TOTP step']):.2f} ms)")


if __name__ == "__main__":
    main()
