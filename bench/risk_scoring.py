"""What scoring one sign-in attempt costs with 1,000 and with 1,000,000 prior attempts in the table.

    .venv/bin/python bench/risk_scoring.py [--runs 300] [--database-url URL --large-database-url URL]

One account has a fifth of all history (spread over two years), the attempt's IP a thousandth (more would
rightly throttle it as a credential-stuffing source), so a query that was not bounded would show it. With a
thousand rows the windows are not yet full (a few successes to compare with); from some thousands on they
hold their caps (200 successes, 500 recent failures per source), so the cost stops growing there.
Each measured attempt runs the source check (credential stuffing) and
the risk assessment of a correct password (history, known device, failures, credential change) in one
transaction that is rolled back, so the table does not grow while measuring. The two sizes live in two
databases, both filled and vacuumed first, then measured in alternating blocks, so the machine's drift and
the aftermath of a million-row insert (autovacuum, checkpoints) weigh on both sides of the ratio. Two SQLite
files by default; pass two PostgreSQL URLs (their own databases) to measure that. Prints median and p90 per
size, their ratio, and the query plans of the large database, which must name the indexes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from recovery.accounts.models import User  # noqa: E402
from recovery.app import create_app  # noqa: E402
from recovery.clock import FrozenClock  # noqa: E402
from recovery.detection import service as detection  # noqa: E402
from recovery.detection.signals import ClientSignals  # noqa: E402
from recovery.migrate import upgrade  # noqa: E402
from recovery.web.context import app_service_context, runtime  # noqa: E402

SIZES = (1_000, 1_000_000)
IP = "81.2.69.142"
AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
_SQLITE_FILL = """
WITH RECURSIVE seq(n) AS (SELECT :start UNION ALL SELECT n + 1 FROM seq WHERE n < :stop)
INSERT INTO signin_attempts (
    user_id, account_key, stage, outcome, kind, ip, network, country, asn, device_key, browser, os, reasons, notified,
    created_at)
SELECT CASE WHEN n % 5 = 0 THEN :user_id END, printf('%032d', n % 50000), 'password',
       CASE WHEN n % 3 = 0 THEN 'success' ELSE 'failure' END, 'browser',
       CASE WHEN n % 1000 = 0 THEN :ip ELSE printf('10.%d.%d.%d', (n / 65536) % 256, (n / 256) % 256, n % 256) END,
       CASE WHEN n % 1000 = 0 THEN '81.2.69.0/24' ELSE printf('10.%d.%d.0/24', (n / 65536) % 256, (n / 256) % 256) END,
       'GB', 'Example ISP', printf('%064d', n % 9), 'Chrome 124', 'Windows 10', '[]', 0,
       datetime(:now, printf('-%d seconds', (n * 7919) % (730 * 86400)))
FROM seq
"""
_POSTGRES_FILL = """
INSERT INTO signin_attempts (
    user_id, account_key, stage, outcome, kind, ip, network, country, asn, device_key, browser, os, reasons, notified,
    created_at)
SELECT CASE WHEN n % 5 = 0 THEN :user_id END, lpad((n % 50000)::text, 32, '0'), 'password',
       CASE WHEN n % 3 = 0 THEN 'success' ELSE 'failure' END, 'browser',
       CASE WHEN n % 1000 = 0 THEN :ip ELSE format('10.%s.%s.%s', (n / 65536) % 256, (n / 256) % 256, n % 256) END,
       CASE WHEN n % 1000 = 0 THEN '81.2.69.0/24' ELSE format('10.%s.%s.0/24', (n / 65536) % 256, (n / 256) % 256) END,
       'GB', 'Example ISP', lpad((n % 9)::text, 64, '0'), 'Chrome 124', 'Windows 10', '[]', false,
       CAST(:now AS timestamptz) - make_interval(secs => (n::bigint * 7919) % (730 * 86400))
FROM generate_series(CAST(:start AS bigint), CAST(:stop AS bigint)) AS n
"""


def build(database_url: str | None, workdir: Path):
    url = database_url or f"sqlite:///{workdir / 'risk.db'}"
    upgrade(url)
    clock = FrozenClock()
    app = create_app({"env": "testing", "instance_dir": workdir, "database_url": url,
                      "secret_key": "bench-secret-key-that-is-long-enough-0123456789",
                      "base_url": "https://recovery.example.test", "ratelimits_enabled": False}, clock=clock)
    with app.app_context(), runtime(app).db.transaction() as session:
        now = clock.now()
        session.execute(text("DELETE FROM signin_attempts"))
        user = session.query(User).filter_by(email="risk-bench@example.com").one_or_none()
        if user is None:
            user = User(email="risk-bench@example.com", password_hash="x",  # noqa: S106 - never signs in
                        password_changed_at=now, role="user",
                        status="active", locale="en", created_at=now, email_verified_at=now)
            session.add(user)
            session.flush()
        user_id = user.id
    return app, clock, user_id


def fill(app, clock, user_id: int, start: int, stop: int) -> float:
    rt = runtime(app)
    sql = _POSTGRES_FILL if rt.db.dialect == "postgresql" else _SQLITE_FILL
    now = clock.now().replace(tzinfo=None).isoformat(sep=" ") if rt.db.dialect == "sqlite" else clock.now()
    started = time.perf_counter()
    with rt.db.transaction() as session:
        session.execute(text(sql), {"start": start, "stop": stop, "user_id": user_id, "ip": IP, "now": now})
    # VACUUM as well as ANALYZE: a freshly filled table is not yet all-visible, so autovacuum would start on it
    # during the measurement (on the same two cores) and its index-only scans would still visit the heap; a
    # production table is vacuumed. SQLite's VACUUM rewrites the file instead, which it does not need.
    with rt.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE signin_attempts" if rt.db.dialect == "postgresql" else "ANALYZE")
    return time.perf_counter() - started


def score_once(app, user_id: int) -> float:
    rt = runtime(app)
    signals = ClientSignals(ip=IP, user_agent=AGENT, device_id="bench-device", kind="browser")
    session = rt.db.new_session()
    try:
        ctx = app_service_context(app, session)
        started = time.perf_counter_ns()
        user = session.get(User, user_id)
        observation = detection.check_source(ctx, signals, user.email)
        detection.assess_signin(ctx, user, observation)
        session.flush()
        return (time.perf_counter_ns() - started) / 1e6
    finally:
        session.rollback()
        session.close()


def measure(setups: dict, runs: int, blocks: int = 10) -> dict:
    """{size: {median_ms, p90_ms}}, the sizes measured in turn, `runs` / `blocks` attempts at a time."""
    samples: dict = {size: [] for size in setups}
    for app, user_id in setups.values():
        with app.app_context():
            for _ in range(20):  # warm: geo data loaded, statements prepared, pages cached
                score_once(app, user_id)
    for _ in range(blocks):
        for size, (app, user_id) in setups.items():
            with app.app_context():
                samples[size] += [score_once(app, user_id) for _ in range(max(1, runs // blocks))]
    return {size: {"median_ms": statistics.median(values),
                   "p90_ms": sorted(values)[int(len(values) * 0.9) - 1]} for size, values in samples.items()}


def plans(app, user_id: int) -> list[str]:
    """The plans of the two widest reads; each must use an index, never scan the table."""
    rt = runtime(app)
    sqlite = rt.db.dialect == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
    queries = [
        f"SELECT created_at FROM signin_attempts WHERE user_id = {int(user_id)} AND outcome = 'success' "  # noqa: S608
        f"AND created_at >= '2025-10-01' ORDER BY created_at DESC LIMIT 200",
        f"SELECT account_key FROM signin_attempts WHERE ip = '{IP}' AND outcome = 'failure' "  # noqa: S608
        f"AND created_at >= '2026-01-01' ORDER BY created_at DESC LIMIT 500",
    ]
    lines = []
    with rt.db.engine.connect() as connection:
        for query in queries:
            lines += [" ".join(str(c) for c in row) for row in connection.exec_driver_sql(prefix + query)]
    return lines


def run(database_url: str | None = None, runs: int = 300, large_database_url: str | None = None) -> dict:
    """Both sizes, each in its own database (two SQLite files when no URLs are given)."""
    if (database_url is None) != (large_database_url is None):
        raise ValueError("give a database URL for each size, or neither (two SQLite files)")
    with tempfile.TemporaryDirectory() as workdir:
        setups = {}
        for size, url in zip(SIZES, (database_url, large_database_url), strict=True):
            folder = Path(workdir) / str(size)
            folder.mkdir()
            app, clock, user_id = build(url, folder)
            fill(app, clock, user_id, 1, size)
            setups[size] = (app, user_id)
        results: dict = measure(setups, runs)
        large_app, large_user = setups[SIZES[-1]]
        results["plans"] = plans(large_app, large_user)
        results["dialect"] = runtime(large_app).db.dialect
        for app, _user_id in setups.values():
            with runtime(app).db.transaction() as session:
                session.execute(text("DELETE FROM signin_attempts"))
            runtime(app).db.dispose()
    small, large = results[SIZES[0]], results[SIZES[1]]
    results["ratio"] = large["median_ms"] / small["median_ms"]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--database-url", default=None, help="the 10^3 database (PostgreSQL: its own)")
    parser.add_argument("--large-database-url", default=None, help="the 10^6 database (another one)")
    args = parser.parse_args()
    results = run(args.database_url, args.runs, args.large_database_url)
    print(f"risk scoring per attempt ({results['dialect']}, {args.runs} runs, source check + assessment)")
    for size in SIZES:
        r = results[size]
        print(f"  {size:>9,} prior attempts: median {r['median_ms']:.2f} ms, p90 {r['p90_ms']:.2f} ms")
    print(f"  ratio (1,000,000 / 1,000): {results['ratio']:.2f}")
    print("  plans:")
    for line in results["plans"]:
        print(f"    {line}")


if __name__ == "__main__":
    main()
