"""`python -m bench [--postgres] [--quick] [--json PATH]`: every figure of issue 7 (and 15's 10, 20's 11) in one table.

`python -m bench --auth-only` runs figures 1 to 3 alone (the floor, sign-in and its ceiling, the peers, the TOTP
step): issue 17's sign-in and TOTP rows in a few minutes.

`python -m bench --soak [--soak-minutes N]` runs the soak of issue 16 instead (bench/soak.py).

Starts recovery, Flask-Security-Too, django-allauth and a bare Flask app under the same gunicorn (sync
workers, as many as cores), an SMTP sink and a webhook receiver, all on 127.0.0.1; loads them with wrk;
prints one table (figure, value, unit, peer, peer value, ratio, target, met). Every process it starts is
stopped and every database it creates is dropped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import (
    enumeration,
    help_search,
    mixed,
    outbox_figure,
    pages,
    password_cost,
    plugins,
    queue_figure,
    soak,
)
from bench.context import Run, check_services
from bench.loads import attempt
from bench.machine import Machine
from bench.procs import Processes
from bench.recovery_server import Recovery
from bench.sinks import Sinks
from bench.table import Row, Target, format_markdown, format_table, pending, ratio_of, write_json
from bench.wrk import INSTALL_HINT, wrk_path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true",
                        help="PostgreSQL (127.0.0.1:5432, fresh database) and Redis (127.0.0.1:6379) for limits")
    parser.add_argument("--quick", action="store_true", help="about 5 s per load instead of 20 s (smoke run)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the rows as JSON")
    parser.add_argument("--markdown", type=Path, metavar="PATH", help="also write the table as Markdown")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers for every server (default: cores)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per gunicorn worker for every server (default 1: sync workers; "
                             "4 = gthread workers as `python -m recovery serve` runs them)")
    parser.add_argument("--auth-only", action="store_true",
                        help="only figures 1 to 3: argon2 floor, sign-in and its ceiling, peers, TOTP step")
    parser.add_argument("--pages-only", action="store_true",
                        help="only figure 7: the ticket status and agent queue pages against the page ceiling")
    parser.add_argument("--keep", action="store_true", help="keep the working directory (logs, wrk scripts)")
    parser.add_argument("--soak", action="store_true",
                        help="only the soak: the mixed load for --soak-minutes on PostgreSQL + Redis, then the "
                             f"books (default {soak.WEB_WORKERS} web workers)")
    parser.add_argument("--soak-minutes", type=int, default=10, metavar="N", help="minutes of soak (default 10)")
    parser.add_argument("--delivery-workers", type=int, default=soak.DELIVERY_WORKERS, metavar="N",
                        help=f"delivery worker processes in the soak (default {soak.DELIVERY_WORKERS})")
    parser.add_argument("--redis-db", type=int, default=0, metavar="N",
                        help="Redis database index for the rate limits with --postgres or --soak (default 0)")
    args = parser.parse_args(argv)
    if args.soak and (args.soak_minutes < 1 or args.delivery_workers < 1):
        parser.error("--soak-minutes and --delivery-workers must be at least 1")
    args.postgres = args.postgres or args.soak  # the soak runs on PostgreSQL + Redis only
    return args


def figure_number(row: Row) -> int:
    match = re.match(r"(\d+)", row.figure)
    return int(match.group(1)) if match else 99


def failed(figure: str, unit: str, errors: dict[str, str], label: str) -> Row:
    return pending(figure, unit, f"{label} failed: {errors.get(label, 'unknown error')}"[:600], missing="failed")


def auth_and_pages(run: Run, sinks: Sinks, errors: dict[str, str], *, auth_only: bool = False) -> list[Row]:
    """Figures 1-4 and 7 (1-3 with `auth_only`): recovery and the peers up together, loads alternating between
    them."""
    # The peers (Django, Flask-Security-Too) are imported here: the soak needs none of them.
    from bench import auth_figures
    from bench.peer_servers import Allauth, FlaskSecurityToo, check_argon2_parity, start_bare

    check_argon2_parity(auth_figures.Argon2Params.recovery_defaults())
    recovery = Recovery(run, smtp_port=sinks.smtp_port)
    print(f"seeding recovery ({run.database_kind}) and starting the servers ...", flush=True)
    recovery.prepare()
    recovery.start()
    fst = attempt("fst_start", lambda: _started(FlaskSecurityToo(run)), errors)
    allauth = attempt("allauth_start", lambda: _started(Allauth(run)), errors)
    bare = attempt("bare_start", lambda: start_bare(run), errors)
    try:
        print("figures 1-3: argon2 floor, sign-in, peers", flush=True)
        got = auth_figures.measure_all(run, recovery, fst, allauth, errors, bare)
        rows = auth_figures.rows(run, got, errors)
        if auth_only:
            return rows
        print("figure 7: cheap pages", flush=True)
        rows += pages.rows(pages.measure_all(run, recovery, bare, errors), errors)
        print("figure 4: enumeration by timing (sequential, interleaved)", flush=True)
        timings = attempt("enumeration", lambda: enumeration.measure(run, recovery), errors)
        rows += enumeration.rows(timings) if timings else [failed("4 enumeration by timing", "ms", errors,
                                                                   "enumeration")]
    finally:
        for peer in (fst, allauth):
            if peer is not None:
                run.procs.stop(peer.proc)
        if bare is not None:
            run.procs.stop(bare)
        recovery.close()
    return rows


def pages_only(run: Run, errors: dict[str, str]) -> list[Row]:
    """Figure 7 alone: recovery and the bare endpoints, no peers (the console pages' targets, issue 19)."""
    from bench.peer_servers import start_bare

    recovery = Recovery(run, smtp_port=None)
    print(f"seeding recovery ({run.database_kind}) and starting the servers ...", flush=True)
    recovery.prepare()
    recovery.start()
    bare = attempt("bare_start", lambda: start_bare(run), errors)
    try:
        print("figure 7: cheap pages", flush=True)
        return pages.rows(pages.measure_all(run, recovery, bare, errors), errors)
    finally:
        if bare is not None:
            run.procs.stop(bare)
        recovery.close()


def _started(peer):
    peer.start()
    return peer


def risk_row(risk: dict | None, errors: dict[str, str]) -> Row:
    label, target = "5 risk scoring per attempt, 10^6 vs 10^3 prior events (median)", Target("<=", 1.2)
    if risk is None:
        why = f"risk failed: {errors['risk']}"[:600] if "risk" in errors else plugins.RISK_PENDING
        return pending(label, "ms", why, peer="10^3 events", target=target,
                       missing="failed" if "risk" in errors else "not available yet")
    small, large = risk[1_000]["median_ms"], risk[1_000_000]["median_ms"]
    return Row(label, large, "ms", peer="10^3 events", peer_value=small, ratio=ratio_of(large, small), target=target)


def collect(run: Run, *, auth_only: bool = False) -> list[Row]:
    errors: dict[str, str] = {}
    sinks = Sinks.start(run)
    rows = auth_and_pages(run, sinks, errors, auth_only=auth_only)
    if auth_only:
        return sorted(rows, key=figure_number)
    print("figure 5: risk scoring", flush=True)
    rows.append(risk_row(attempt("risk", lambda: plugins.risk_scoring(run), errors), errors))
    print("figure 6: agent queue", flush=True)
    rows += queue_figure.rows(run, errors)
    print("figure 8: outbox delivery", flush=True)
    rows += outbox_figure.rows(run, sinks, errors)
    print("figure 9: mixed load", flush=True)
    rows += mixed.rows(run, sinks, errors)
    print("figure 10: worst-case password-policy cost (alone: python -m bench.password_cost)", flush=True)
    rows += password_cost.rows(attempt("password_cost", password_cost.measure, errors), errors)
    print("figure 11: help-centre search quality and p95 (alone: python -m bench.help_search)", flush=True)
    rows += help_search.rows(attempt("help_search", lambda: help_search.measure(postgres=run.postgres), errors),
                             errors)
    return sorted(rows, key=figure_number)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if wrk_path() is None:
        print(f"bench: {INSTALL_HINT}", file=sys.stderr)
        return 2
    if args.postgres and (problems := check_services(args.redis_db)):
        print("bench: --postgres needs:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2
    machine = Machine.now()
    workdir = Path(tempfile.mkdtemp(prefix="recovery-bench-"))
    started = time.monotonic()
    with Processes(workdir) as procs:
        default_workers = soak.WEB_WORKERS if args.soak else machine.cores
        run = Run(workdir, procs, postgres=args.postgres, quick=args.quick, workers=args.workers or default_workers,
                  threads=max(1, args.threads), redis_db=args.redis_db)
        loads = f"a {args.soak_minutes}-minute soak" if args.soak else f"{run.seconds:.0f} s per load"
        print(f"bench: {run.workers} gunicorn workers x {run.threads} threads per server, {loads}, "
              f"{run.database_kind}; working directory {workdir}", flush=True)
        try:
            rows = (soak.rows(run, args.soak_minutes, args.delivery_workers) if args.soak
                    else pages_only(run, {}) if args.pages_only
                    else collect(run, auth_only=args.auth_only))
        finally:
            procs.stop_all()
            run.drop_databases()
    machine.finish()
    serving = f"{run.workers} workers x {run.threads} threads" if run.threads > 1 else f"{run.workers} sync workers"
    what = f"soak of {args.soak_minutes} min" if args.soak else f"{run.seconds:.0f} s loads"
    what += ", figures 1-3 only" if args.auth_only and not args.soak else ""
    heading = (f"recovery bench, {run.database_kind}, {serving}, {what}"
               f"{' (--quick)' if args.quick else ''}, {time.monotonic() - started:.0f} s in all\n"
               f"machine: {machine.describe()}")
    print(f"\n{heading}\n\n{format_table(rows)}")
    if args.json:
        write_json(rows, args.json)
    if args.markdown:
        args.markdown.write_text(f"{heading}\n\n{format_markdown(rows)}\n")
    if args.keep:
        print(f"\nlogs and wrk scripts kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
