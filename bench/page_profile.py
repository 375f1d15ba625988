"""Where a cheap page's time goes: CPU and statements per request of figure 7's pages, in process.

    .venv/bin/python -m bench.page_profile [--database-url URL] [--runs 300] [--page status|bare|queue|all]
        [--blocks 5] [--top 40] [--timer cpu|wall] [--pyinstrument FILE]

The pages of figure 7 (bench/pages.py), each called through its whole WSGI app as gunicorn calls it (the
environ built untimed, the app called, its body joined), with the bench's settings (bench/wsgi_recovery.py: rate
limits off, staff without the MFA check) and the bench's seed (bench/recovery_server.py: 60 open appeals, an
agent signed in): `status` is the requester's status page `GET /appeal/status/<token>`, `bare` the page ceiling
`GET /bare/page` (bench/wsgi_bare.py: one read, one template) and `queue` the agent queue `GET /staff/tickets`.
The requests carry what wrk sends (no User-Agent, no Accept-Language; the agent's session cookie on the queue).
Every access log line goes to a file, as the bench server's stderr does.

The database is fresh: a SQLite file by default, or the PostgreSQL database named by --database-url, which is
DROPPED and created again (use a database of its own, never a test database). For each page it prints the
statements of one request; then, over `--blocks` alternating blocks of `--runs` requests per page (a drift of
the machine's speed weighs on every page alike), the median CPU and wall time per request of each block and
statements per request; and from cProfile (CPU clock by default) the time by library and the inclusive time
of recovery's functions (scaled to the unprofiled CPU: read the shares, not cProfile's ms).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import cProfile
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.test import EnvironBuilder, run_wsgi_app

from bench import wsgi_bare
from bench.recovery_server import seed
from bench.signin_profile import Statements, by_library, print_breakdown, sampled_tree
from bench.wsgi_recovery import bench_config
from recovery.app import create_app
from recovery.migrate import upgrade
from recovery.settings import settings_from_env
from recovery.web.context import runtime

PAGES = ("status", "bare", "queue")


def fresh_database(url: str) -> None:
    """Drop and create the PostgreSQL database of `url` (from the server's `postgres` database)."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()


class Harness:
    """recovery's app and the bare app on one fresh database, seeded as the bench seeds them."""

    def __init__(self, database_url: str | None, workdir: Path) -> None:
        url = database_url or f"sqlite:///{workdir / 'pages.db'}"
        if url.startswith("postgresql"):
            fresh_database(url)
        upgrade(url)
        settings = {"env": "development", "instance_dir": str(workdir), "database_url": url,
                    "secret_key": secrets.token_urlsafe(48),
                    "encryption_keys": base64.urlsafe_b64encode(os.urandom(32)).decode(),
                    "base_url": "http://127.0.0.1:5000", "trusted_proxies": "1"}  # as bench/recovery_server.py
        env = {f"RECOVERY_{key.upper()}": value for key, value in settings.items()}
        self.app = create_app({**settings_from_env(env), **bench_config("off")})
        self.seeded = seed(self.app)
        wsgi_bare.seed(url)
        wsgi_bare.connect(url)
        self.statements = Statements()
        self.statements.listen(runtime(self.app).db.engine)
        self.statements.listen(wsgi_bare._database["engine"])
        self.log = (workdir / "server.log").open("w")

    def request(self, page: str) -> Callable[[], None]:
        """The page's request, its environ built now (untimed); answers the timed call."""
        if page == "bare":
            return self._call(wsgi_bare.app, "/bare/page", {})
        if page == "status":
            return self._call(self.app, f"/appeal/status/{self.seeded.status_token}", {})
        return self._call(self.app, "/staff/tickets", {"Cookie": self.seeded.agent_cookie})

    def _call(self, app, path: str, headers: dict[str, str]) -> Callable[[], None]:
        environ = EnvironBuilder(path, headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_environ()

        def call() -> None:
            with contextlib.redirect_stderr(self.log):
                app_iter, status, _headers = run_wsgi_app(app, environ, buffered=True)
                body = b"".join(app_iter)
            if not status.startswith("200"):
                raise RuntimeError(f"{path}: {status}: {body[:300]!r}")

        return call

    def close(self) -> None:
        self.log.close()
        runtime(self.app).db.dispose()
        wsgi_bare._database.pop("engine").dispose()


def timed(harness: Harness, page: str, runs: int, profiler=None) -> tuple[float, float, float, float]:
    """Median CPU ms, median wall ms, statements per request and the 10th percentile of CPU ms (steadier than
    the median on a machine others share: a request another process slowed is rarely among the fastest)."""
    cpus, walls = [], []
    harness.statements.log.clear()
    for _ in range(runs):
        send = harness.request(page)
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        send()
        if profiler is not None:
            profiler.disable()
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    statements = sum(1 for what, _ms in harness.statements.log if what not in ("BEGIN", "COMMIT", "ROLLBACK"))
    return (statistics.median(cpus), statistics.median(walls), statements / runs,
            statistics.quantiles(cpus, n=10)[0])


def one_request(harness: Harness, page: str) -> None:
    send = harness.request(page)
    harness.statements.log.clear()
    send()
    print(f"\n--- {page}: statements of one request (wall ms each) ---")
    for what, ms in harness.statements.log:
        print(f"  {ms:7.3f}  {what}" if what not in ("BEGIN", "COMMIT", "ROLLBACK") else f"  -- {what}")


def profile(harness: Harness, page: str, runs: int, timer: str, unprofiled_cpu: float, top: int,
            pyinstrument_file: Path | None) -> None:
    profiler = cProfile.Profile(time.process_time if timer == "cpu" else time.perf_counter)
    timed(harness, page, runs, profiler)
    stats = pstats.Stats(profiler)
    libraries = by_library(stats, runs)
    total = sum(ms for _name, ms in libraries)
    calls = sum(nc for _cc, nc, _tt, _ct, _callers in stats.stats.values()) / runs  # type: ignore[attr-defined]
    print(f"\n--- {page}: {calls:,.0f} Python function calls per request (cProfile's count: the same on a busy "
          "machine as on a quiet one) ---")
    scale = unprofiled_cpu / total if total else 0.0
    print(f"\n--- {page}: cProfile ({timer} timer), own time by library: profiled ms per request "
          f"({total:.2f} in all), share, scaled to the unprofiled {unprofiled_cpu:.2f} ms ---")
    print_breakdown(libraries, stats, runs, total, scale, top=top,
                    functions_heading=f"--- {page}: recovery's functions, inclusive (profiled ms, scaled; >= 2 %) ---")
    if pyinstrument_file is not None:
        sampled_tree(pyinstrument_file.with_suffix(f".{page}.txt"), lambda: timed(harness, page, runs))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.page_profile", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL database of its own: dropped and created again")
    parser.add_argument("--page", choices=(*PAGES, "all"), default="all")
    parser.add_argument("--runs", type=int, default=300, help="requests per page and block")
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--top", type=int, default=40, help="recovery functions shown per page")
    parser.add_argument("--timer", choices=("cpu", "wall"), default="cpu")
    parser.add_argument("--no-profile", action="store_true", help="timings only")
    parser.add_argument("--pyinstrument", type=Path, metavar="FILE", help="also write pyinstrument trees")
    args = parser.parse_args(argv)
    pages = PAGES if args.page == "all" else (args.page,)
    with tempfile.TemporaryDirectory() as workdir:
        harness = Harness(args.database_url, Path(workdir))
        try:
            for page in pages:
                timed(harness, page, 50)  # warm-up: imports, templates, compiled statements, pools
                one_request(harness, page)
            blocks: dict[str, list[tuple[float, float, float, float]]] = {page: [] for page in pages}
            for block in range(args.blocks):
                for page in pages if block % 2 == 0 else pages[::-1]:
                    blocks[page].append(timed(harness, page, args.runs))
            print(f"\n=== per request, {args.blocks} alternating blocks of {args.runs} ===")
            print(f"  {'page':<8} {'cpu ms (median of block medians)':>34} {'wall ms':>9} {'statements':>11}"
                  f" {'cpu ms p10':>11}   cpu ms of each block")
            for page in pages:
                cpu = statistics.median(b[0] for b in blocks[page])
                wall = statistics.median(b[1] for b in blocks[page])
                fast = statistics.median(b[3] for b in blocks[page])
                each = " ".join(f"{b[0]:.3f}" for b in blocks[page])
                print(f"  {page:<8} {cpu:34.3f} {wall:9.3f} {blocks[page][0][2]:11.2f} {fast:11.3f}   {each}")
            if "bare" in pages:
                bare = statistics.median(b[0] for b in blocks["bare"])
                for page in pages:
                    if page != "bare":
                        cpu = statistics.median(b[0] for b in blocks[page])
                        print(f"  {page} vs page ceiling, CPU ratio (bare cpu / page cpu): {bare / cpu:.3f}")
            if not args.no_profile:
                for page in pages:
                    unprofiled = statistics.median(b[0] for b in blocks[page])
                    profile(harness, page, args.runs, args.timer, unprofiled, args.top, args.pyinstrument)
        finally:
            harness.close()


if __name__ == "__main__":
    sys.exit(main())
