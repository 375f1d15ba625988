"""Where a sign-in's time goes beyond its argon2 verify: every statement, every transaction, the Python hot spots.

    .venv/bin/python -m bench.signin_profile [--path api|page|mfa|all] [--database-url URL] [--runs 200]
        [--user-agent browser|none] [--limits REDIS_URI] [--timer cpu|wall] [--pyinstrument FILE]

In process, through the whole Flask stack (the test client), on a fresh SQLite file or the PostgreSQL database
given (its accounts are new on each run), with the production argon2 parameters and a frozen clock that moves
one TOTP step per sign-in (bench/mfa_step.py's). Rate limits are off unless --limits names their storage (as
the bench's loads run; the limiter's round trips are then on the path, with limits no run reaches). The paths:
`api` is POST /api/v1/sessions (201), `page` POST /signin with the page's CSRF token (302), `mfa` POST
/api/v1/sessions/mfa after an untimed password step (201).

For each path it prints: the statements of one request in order with their time and transaction; the median
wall and CPU time per request and the CPU of its argon2 verify (so the rest is what the sign-in adds); and,
from cProfile over the timed runs (CPU clock by default), the time beyond argon2 by library (own time of each
module's functions) and the inclusive time of recovery's functions above 2 % of it, each also scaled to the
unprofiled CPU (cProfile's overhead weighs most on many small calls, so read the shares, not its ms).
--pyinstrument FILE writes pyinstrument's text tree of the runs too. `--user-agent none` sends what wrk sends
(no User-Agent: the bench's sign-in parses none); the default sends a desktop browser's, as a person's does.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
from sqlalchemy import event
from werkzeug.test import EnvironBuilder, run_wsgi_app

from bench.mfa_step import PASSWORD, enrolled_account
from recovery.accounts import service as accounts
from recovery.app import create_app
from recovery.clock import FrozenClock
from recovery.db import autocommit_twin, watch_plain_statements
from recovery.migrate import upgrade
from recovery.web.context import app_service_context, runtime

BROWSER = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/124.0.0.0 Safari/537.36")
CLIENT_IP = "127.0.0.1"  # the test client's, as every request here sends: the source counts are read


@dataclass
class Statements:
    """Every statement on the engine with its time, and where each transaction began and ended."""

    log: list[tuple[str, float]] = field(default_factory=list)  # (what, ms)
    _started: float = 0.0

    def listen(self, engine) -> None:
        """The engine's statements and those of its autocommit twin (PostgreSQL: the statements run alone,
        which db runs plain, past SQLAlchemy's events: db.watch_plain_statements tells of those)."""
        twin = autocommit_twin(engine)
        for each in (engine, *([twin] if twin is not None else [])):
            event.listen(each, "before_cursor_execute", self._before)
            event.listen(each, "after_cursor_execute", self._after)
            for name in ("begin", "commit", "rollback"):
                event.listen(each, name, lambda _connection, name=name: self.log.append((name.upper(), 0.0)))
        if twin is not None:
            watch_plain_statements(lambda ran_on, statement, ms: self.log.append(
                (" ".join(statement.split())[:150], ms)) if ran_on is twin else None)

    def _before(self, *_args) -> None:
        self._started = time.perf_counter()

    def _after(self, _conn, _cursor, statement: str, *_args) -> None:
        self.log.append((" ".join(statement.split())[:150], (time.perf_counter() - self._started) * 1000))


@dataclass
class Verifies:
    """The CPU and wall time spent inside argon2's verify (the app's hasher, wrapped)."""

    cpu: float = 0.0
    wall: float = 0.0

    def wrap(self, hasher) -> None:
        """argon2's hasher has slots: the app's hasher gets a stand-in that times verify and passes the rest."""
        hasher._argon2 = _TimedArgon2(hasher._argon2, self)


class _TimedArgon2:
    def __init__(self, argon2, verifies: Verifies) -> None:
        self._argon2, self._verifies = argon2, verifies

    def verify(self, *args, **kwargs):
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return self._argon2.verify(*args, **kwargs)
        finally:
            self._verifies.cpu += time.process_time() - cpu
            self._verifies.wall += time.perf_counter() - wall

    def __getattr__(self, name: str):
        return getattr(self._argon2, name)


class Harness:
    def __init__(self, database_url: str | None, workdir: Path, user_agent: str | None, limits: str | None) -> None:
        url = database_url or f"sqlite:///{workdir / 'profile.db'}"
        upgrade(url)
        self.clock = FrozenClock()
        config = {"env": "development", "instance_dir": workdir, "database_url": url,
                  "secret_key": "bench-secret-key-that-is-long-enough-0123456789",
                  "base_url": "http://127.0.0.1:5000", "require_email_verification": False,
                  "ratelimits_enabled": limits is not None}
        if limits:
            config.update(ratelimit_storage_uri=limits, ratelimit_key_prefix=f"profile-{random.randbytes(4).hex()}",
                          signin_limits="1000000 per minute", mfa_failure_limits="1000000 per minute",
                          mfa_ip_limits="1000000 per minute", signin_network_limits="1000000 per minute")
        self.app = create_app(config, clock=self.clock)
        self.rt = runtime(self.app)
        suffix = random.randbytes(4).hex()  # a reused PostgreSQL database keeps earlier runs' accounts
        self.plain, self.with_mfa = f"plain+{suffix}@example.com", f"mfa+{suffix}@example.com"
        with self.app.app_context(), self.rt.db.transaction() as session:
            ctx = app_service_context(self.app, session)
            accounts.sign_up(ctx, self.plain, PASSWORD)
            self.secret = enrolled_account(ctx, self.with_mfa)[1]
        self.headers = {"User-Agent": user_agent} if user_agent else {}
        self.statements = Statements()
        self.statements.listen(self.rt.db.engine)
        self.device_cookie: tuple[str, str] | None = None
        self.verifies = Verifies()
        self.verifies.wrap(self.rt.passwords)

    def request(self, path: str) -> Callable[[], object]:
        """One sign-in's untimed preparation (the request's WSGI environ built, as gunicorn hands it over);
        answers the timed call of the app."""
        self.clock.advance(seconds=30)
        client = self.app.test_client()
        client.environ_base["REMOTE_ADDR"] = CLIENT_IP
        if path == "api":
            return self._call(201, "/api/v1/sessions", json={"email": self.plain, "password": PASSWORD})
        if path == "page":  # a returning browser, signed out: its device cookie, no session
            if self.device_cookie is not None:
                client.set_cookie(*self.device_cookie)
            token = re.search(r'name="csrf_token" value="([^"]+)"',
                              client.get("/signin", headers=self.headers).get_data(as_text=True))
            if self.device_cookie is None:
                cookie = client.get_cookie("recovery_device")
                self.device_cookie = (cookie.key, cookie.value) if cookie is not None else None
            form = {"email": self.plain, "password": PASSWORD, "csrf_token": token.group(1) if token else ""}
            cookies = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
            return self._call(302, "/signin", data=form, cookie=cookies)
        first = client.post("/api/v1/sessions", json={"email": self.with_mfa, "password": PASSWORD},
                            headers=self.headers)
        self._check(200, first.status_code, first.get_data())
        body = {"mfa_token": first.get_json()["mfa_token"], "code": pyotp.TOTP(self.secret).at(self.clock.now())}
        return self._call(201, "/api/v1/sessions/mfa", json=body)

    def _call(self, status: int, url: str, *, cookie: str = "", **body) -> Callable[[], object]:
        headers = {**self.headers, **({"Cookie": cookie} if cookie else {})}
        environ = EnvironBuilder(url, method="POST", headers=headers, environ_base={"REMOTE_ADDR": CLIENT_IP},
                                 **body).get_environ()

        def call() -> None:
            app_iter, answered, _headers = run_wsgi_app(self.app, environ, buffered=True)
            self._check(status, int(answered.split()[0]), b"".join(app_iter))

        return call

    @staticmethod
    def _check(status: int, answered: int, body: bytes) -> None:
        if answered != status:
            raise RuntimeError(f"expected {status}, got {answered}: {body[:300]!r}")


def statements_of_one(harness: Harness, path: str) -> list[tuple[str, float]]:
    send = harness.request(path)
    harness.statements.log.clear()
    send()
    return list(harness.statements.log)


def timings(harness: Harness, path: str, runs: int, profiler=None) -> dict[str, float]:
    walls, cpus, verify_cpus = [], [], []
    for _ in range(runs):
        send = harness.request(path)
        before = harness.verifies.cpu
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        send()
        if profiler is not None:
            profiler.disable()
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
        verify_cpus.append((harness.verifies.cpu - before) * 1000)
    beyond = [c - v for c, v in zip(cpus, verify_cpus, strict=True)]
    return {"wall ms": statistics.median(walls), "cpu ms": statistics.median(cpus),
            "argon2 cpu ms": statistics.median(verify_cpus), "cpu beyond argon2 ms": statistics.median(beyond)}


LIBRARIES = (  # (label, pattern in the file's path), first match wins
    ("argon2", "/argon2/"), ("sqlalchemy.orm", "/sqlalchemy/orm/"), ("sqlalchemy.sql", "/sqlalchemy/sql/"),
    ("sqlalchemy.engine", "/sqlalchemy/engine/"), ("sqlalchemy (other)", "/sqlalchemy/"), ("psycopg", "/psycopg"),
    ("sqlite3", "sqlite3"), ("werkzeug", "/werkzeug/"), ("flask", "/flask/"), ("itsdangerous", "/itsdangerous/"),
    ("flask_limiter/limits/redis", "/flask_limiter/"), ("flask_limiter/limits/redis", "/limits/"),
    ("flask_limiter/limits/redis", "/redis/"), ("babel/flask_babel", "babel"), ("jinja2/markupsafe", "/jinja2/"),
    ("jinja2/markupsafe", "/markupsafe/"), ("templates (jinja2)", "/templates/"), ("marshmallow", "/marshmallow/"),
    ("ua_parser", "ua_parser"), ("geo (maxminddb/geoip2)", "maxminddb"), ("geo (maxminddb/geoip2)", "geoip2"),
    ("cryptography", "/cryptography/"), ("pyotp", "/pyotp/"), ("json", "/json/"), ("logging", "/logging/"),
    ("uuid/secrets/hmac/base64", "/uuid.py"), ("uuid/secrets/hmac/base64", "/secrets.py"),
    ("uuid/secrets/hmac/base64", "/hmac.py"), ("uuid/secrets/hmac/base64", "/base64.py"),
    ("ipaddress", "/ipaddress.py"), ("copy (deepcopy)", "/copy.py"), ("bench harness", "/bench/"),
)


def _library(filename: str) -> str:
    if "/recovery/" in filename and "/site-packages/" not in filename:
        return "recovery." + filename.split("/recovery/", 1)[1].split("/", 1)[0].removesuffix(".py")
    for label, pattern in LIBRARIES:
        if pattern in filename:
            return label
    return "stdlib and other"


def by_library(stats: pstats.Stats, runs: int) -> list[tuple[str, float]]:
    """Own time of each module's functions, summed by library: a partition of the profiled time. A C function's
    time (a builtin, a driver's cursor.execute, argon2's hash) goes to the library of the Python code that
    called it, edge by edge."""
    totals: dict[str, float] = defaultdict(float)
    for (filename, _line, function), (_cc, _nc, tottime, _ct, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if filename != "~":
            totals[_library(filename)] += tottime
            continue
        if "argon2" in function or "_ffi" in function:
            totals["argon2"] += tottime
            continue
        for (caller_file, _l, _f), edge in callers.items():
            totals["argon2" if "/argon2/" in caller_file else _library(caller_file)] += edge[2]
    return sorted(((name, 1000 * seconds / runs) for name, seconds in totals.items()), key=lambda kv: -kv[1])


def recovery_functions(stats: pstats.Stats, runs: int, beyond_ms: float) -> list[tuple[str, float]]:
    """Inclusive time of recovery's functions above 2 % of the CPU beyond argon2 (nested: a caller includes its
    callees)."""
    out = []
    for (filename, line, function), (_cc, _nc, _tt, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "/recovery/" in filename and "/site-packages/" not in filename:
            ms = 1000 * cumtime / runs
            if ms >= 0.02 * beyond_ms:
                out.append((f"{filename.split('/recovery/', 1)[1]}:{line} {function}", ms))
    return sorted(out, key=lambda kv: -kv[1])


def print_breakdown(libraries: list[tuple[str, float]], stats: pstats.Stats, runs: int, total: float, scale: float,
                    *, top: int, functions_heading: str, skip: tuple[str, ...] = ()) -> None:
    """The profile's two lists, as every profiler here prints them: own time by library (profiled ms per request,
    share of `total`, scaled to the unprofiled), then recovery's functions, inclusive (>= 2 % of `total`)."""
    for name, ms in libraries:
        if ms >= 0.005 and name not in skip:
            print(f"  {ms:7.3f}  {100 * ms / total:5.1f} %  {ms * scale:6.3f}  {name}")
    print(functions_heading)
    for name, ms in recovery_functions(stats, runs, total)[:top]:
        print(f"  {ms:7.3f}  {ms * scale:6.3f}  {name}")


def sampled_tree(file: Path, run: Callable[[], object]) -> None:
    """pyinstrument's call tree of `run` (sampled every 0.2 ms) written to `file` (pyinstrument: bench extra)."""
    from pyinstrument import Profiler

    with Profiler(interval=0.0002, async_mode="disabled") as sampled:
        run()
    file.write_text(sampled.output_text(unicode=False, color=False))


def report(harness: Harness, path: str, runs: int, timer: str, pyinstrument_file: Path | None) -> None:
    print(f"\n=== {path} ===")
    timings(harness, path, 20)  # warm-up: imports, caches, compiled statements
    print("statements of one request (wall ms each, round trip and the database's work; BEGIN/COMMIT/ROLLBACK are "
          "the engine's transaction events):")
    in_transaction: list[float] = []
    for what, ms in statements_of_one(harness, path):
        if what in ("BEGIN", "COMMIT", "ROLLBACK"):
            if what != "BEGIN":
                print(f"  -- {what}: {len(in_transaction)} statements, {sum(in_transaction):.3f} ms")
            in_transaction = []
            continue
        in_transaction.append(ms)
        print(f"  {ms:7.3f}  {what}")
    plain = timings(harness, path, runs)
    print("median per request, unprofiled: " + ", ".join(f"{k} {v:.2f}" for k, v in plain.items()))
    profiler = cProfile.Profile(time.process_time if timer == "cpu" else time.perf_counter)
    timings(harness, path, runs, profiler)
    stats = pstats.Stats(profiler)
    libraries = by_library(stats, runs)
    beyond = sum(ms for name, ms in libraries if name != "argon2")
    scale = plain["cpu beyond argon2 ms"] / beyond if beyond else 0.0
    print(f"cProfile ({timer} timer), by library: own time in ms per request with the profiler's overhead "
          f"({beyond:.2f} ms beyond argon2), its share, and that share of the unprofiled "
          f"{plain['cpu beyond argon2 ms']:.2f} ms:")
    print_breakdown(libraries, stats, runs, beyond, scale, top=45, skip=("argon2",), functions_heading=(
        "recovery's functions, inclusive (profiled ms per request, scaled to the unprofiled; >= 2 %):"))
    if pyinstrument_file is not None:
        sampled_tree(pyinstrument_file.with_suffix(f".{path}.txt"), lambda: timings(harness, path, runs))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.signin_profile", description=__doc__.splitlines()[0])
    parser.add_argument("--path", choices=("api", "page", "mfa", "all"), default="all")
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--user-agent", choices=("browser", "none"), default="browser")
    parser.add_argument("--limits", metavar="URI", help="rate limits on, stored there (redis://127.0.0.1:6379/6)")
    parser.add_argument("--timer", choices=("cpu", "wall"), default="cpu",
                        help="cProfile's clock: CPU (default; what the machine spends) or wall (waits included)")
    parser.add_argument("--pyinstrument", type=Path, metavar="FILE", help="also write pyinstrument trees")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        harness = Harness(args.database_url, Path(workdir), BROWSER if args.user_agent == "browser" else None,
                          args.limits)
        try:
            for path in ("api", "page", "mfa") if args.path == "all" else (args.path,):
                report(harness, path, args.runs, args.timer, args.pyinstrument)
        finally:
            harness.rt.db.dispose()


if __name__ == "__main__":
    sys.exit(main())
