"""Figure 6, the agent queue at a million tickets on PostgreSQL, from the tickets engineer's bench/ticket_queue.py.

Its functions fill a database with generate_series, add an agent with an API token, find a deep keyset
cursor and time GET /api/v1/tickets through the whole Flask stack; this module gives them a fresh database
of the run (dropped at the end) and turns the samples into rows. --quick fills 100,000 tickets.
"""

from __future__ import annotations

import statistics

from bench import plugins
from bench.context import Run
from bench.loads import attempt
from bench.table import Row, Target, pending

TICKETS, QUICK_TICKETS = 1_000_000, 100_000
RUNS, QUICK_RUNS = 200, 50
TARGET = Target("<=", 20.0, on="value")


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def measure(run: Run, module) -> dict:
    from bench.wsgi_recovery import bench_config
    from recovery.app import create_app
    from recovery.migrate import upgrade
    from recovery.web.context import runtime

    url = run.new_database("tickets")
    upgrade(url)
    tickets = QUICK_TICKETS if run.quick else TICKETS
    runs = QUICK_RUNS if run.quick else RUNS
    instance = run.workdir / "tickets-instance"
    instance.mkdir(exist_ok=True)
    app = create_app({**bench_config("off"), "env": "testing", "instance_dir": instance, "database_url": url,
                      "secret_key": "bench-secret-key-that-is-long-enough-0123456789",
                      "base_url": "https://recovery.example.test"})
    try:
        module.fill(app, tickets)
        viewer, token = module.add_staff(app, "agent")
        cursor = module.deep_cursor(app, viewer, max(100, tickets // 20))
        got = {"tickets": tickets}
        for key, at in (("first", None), ("deep", cursor)):
            module.time_api(app, token, at, 5)  # warm the cache
            got[key] = module.time_api(app, token, at, runs)
        return got
    finally:
        runtime(app).db.dispose()


def rows(run: Run, errors: dict[str, str]) -> list[Row]:
    labels = (("first", "6 agent queue, first page"), ("deep", "6 agent queue, deep keyset page"))
    module = plugins.bench_module("ticket_queue")
    if module is None or not run.postgres:
        why = ("run with --postgres: the queue is measured on PostgreSQL filled with 1,000,000 tickets"
               if module is not None else "bench/ticket_queue.py (tickets, issue 5) has not landed yet")
        missing = "needs --postgres" if module is not None else "not available yet"
        return [pending(f"{label} p{q}", "ms", why, target=TARGET if q == 95 else None, missing=missing)
                for _key, label in labels for q in (50, 95)]
    got = attempt("queue", lambda: measure(run, module), errors)
    if got is None:
        return [pending("6 agent queue", "ms", f"queue failed: {errors['queue']}"[:600], missing="failed")]
    out = []
    for key, label in labels:
        samples = got[key]
        text = f"{label} ({got['tickets']:,} tickets, API, n={len(samples)})"
        out.append(Row(f"{text} p50", statistics.median(samples), "ms"))
        out.append(Row(f"{text} p95", p95(samples), "ms", target=TARGET))
    return out
