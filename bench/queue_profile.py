"""Where the agents' queue page's time goes: its statements, its CPU per request, the Python hot spots.

    .venv/bin/python -m bench.queue_profile --database-url URL [--runs 300] [--path /staff/tickets]
        [--locale en|zh-CN] [--cold] [--pyinstrument FILE]

In process, through the whole Flask stack (a WSGI environ built once, as gunicorn hands it over), on a fresh
PostgreSQL database (or a temporary SQLite file), seeded as the bench seeds figure 7 (bench.recovery_server.seed:
an agent and 60 open appeals, so the page shows a full 50 rows) with the bench's settings (rate limits off, the
agent without an authenticator). Prints the statements of one request, the median CPU and wall time per request,
and cProfile's time by library and by recovery function (bench.signin_profile's tables).
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

from werkzeug.test import EnvironBuilder, run_wsgi_app

from bench.recovery_server import seed
from bench.signin_profile import Statements, by_library, print_breakdown, sampled_tree
from bench.wsgi_recovery import bench_config
from recovery.app import create_app
from recovery.clock import FrozenClock
from recovery.migrate import upgrade
from recovery.tickets import queue_views
from recovery.web.context import runtime


class QueueHarness:
    def __init__(self, database_url: str | None, workdir: Path, path: str, locale: str) -> None:
        url = database_url or f"sqlite:///{workdir / 'profile.db'}"
        upgrade(url)
        self.clock = FrozenClock()
        config = {"env": "development", "instance_dir": workdir, "database_url": url,
                  "secret_key": "bench-secret-key-that-is-long-enough-0123456789",
                  "base_url": "http://127.0.0.1:5000", **bench_config("off")}
        self.app = create_app(config, clock=self.clock)
        self.rt = runtime(self.app)
        logging.getLogger("recovery.access").setLevel(logging.WARNING)  # a line per request otherwise
        seeded = seed(self.app)
        self.statements = Statements()
        self.statements.listen(self.rt.db.engine)
        self.environ = EnvironBuilder(path, headers={"Cookie": seeded.agent_cookie, "Accept-Language": locale},
                                      environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_environ()

    cold = False  # --cold: every request renders its rows and parts afresh (the kept HTML dropped first)

    def send(self) -> bytes:
        if self.cold:
            queue_views._KEPT_ROWS.clear()
            for kept in (queue_views.page_parts, queue_views._deadline):
                kept.cache_clear()
        app_iter, status, _headers = run_wsgi_app(self.app, dict(self.environ), buffered=True)
        body = b"".join(app_iter)
        if not status.startswith("200"):
            raise RuntimeError(f"expected 200, got {status}: {body[:300]!r}")
        return body


def timings(harness: QueueHarness, runs: int, profiler=None) -> dict[str, float]:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        harness.send()
        if profiler is not None:
            profiler.disable()
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    return {"wall ms": statistics.median(walls), "cpu ms": statistics.median(cpus)}


def report(harness: QueueHarness, runs: int, pyinstrument_file: Path | None) -> None:
    timings(harness, 30)  # warm-up: imports, caches, compiled statements and templates
    harness.statements.log.clear()
    body = harness.send()
    statements = [(what, ms) for what, ms in harness.statements.log if what not in ("BEGIN", "COMMIT", "ROLLBACK")]
    print(f"statements of one request: {len(statements)}; page {len(body):,} bytes, "
          f"{body.count(b'<tr>') - 1} rows")
    for what, ms in statements:
        print(f"  {ms:7.3f}  {what}")
    plain = timings(harness, runs)
    print("median per request, unprofiled: " + ", ".join(f"{k} {v:.2f}" for k, v in plain.items()))
    profiler = cProfile.Profile(time.process_time)
    timings(harness, runs, profiler)
    stats = pstats.Stats(profiler)
    print(f"Python function calls per request (cProfile; steadier than time on a busy machine): "
          f"{stats.total_calls / runs:,.0f}")  # type: ignore[attr-defined]
    libraries = by_library(stats, runs)
    total = sum(ms for _name, ms in libraries)
    scale = plain["cpu ms"] / total if total else 0.0
    print(f"cProfile by library (profiled ms per request, share, scaled to the unprofiled {plain['cpu ms']:.2f}):")
    print_breakdown(libraries, stats, runs, total, scale, top=40,
                    functions_heading="recovery's functions, inclusive (profiled ms, scaled; >= 2 %):")
    if pyinstrument_file is not None:
        sampled_tree(pyinstrument_file, lambda: timings(harness, runs))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.queue_profile", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a fresh PostgreSQL database (its seeded accounts are fixed)")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--path", default="/staff/tickets")
    parser.add_argument("--locale", default="en")
    parser.add_argument("--pyinstrument", type=Path, metavar="FILE")
    parser.add_argument("--cold", action="store_true", help="drop the kept row and part HTML before each request")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        harness = QueueHarness(args.database_url, Path(workdir), args.path, args.locale)
        harness.cold = args.cold
        try:
            report(harness, args.runs, args.pyinstrument)
        finally:
            harness.rt.db.dispose()


if __name__ == "__main__":
    sys.exit(main())
