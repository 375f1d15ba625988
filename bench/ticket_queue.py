"""How fast is the support queue at a million tickets? p50/p95 of the first page and of a deep keyset page.

    .venv/bin/python bench/ticket_queue.py [--tickets 1000000] [--runs 200] \
        [--server postgresql+psycopg://postgres@127.0.0.1:5432/test]

Creates its own PostgreSQL database (and drops it at the end), applies the migrations, fills `tickets` with
one INSERT ... SELECT over generate_series (about 10% open, the rest resolved or closed, as in a long-running
service), ANALYZEs, then times the queue as the console and API read it:

- query: recovery.tickets.queries.list_queue (the SELECT and loading 50 rows), first page and a page 50,000
  rows deep at a million tickets (its cursor taken from the data), for a security viewer (every queue) and an
  agent (the support queues);
- api: GET /api/v1/tickets through the whole Flask stack (auth, SLA badges, JSON) for the same two pages.

Prints EXPLAIN (ANALYZE, BUFFERS) of both pages, which should show an Index Scan on ix_tickets_open_order.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.dialects import postgresql  # noqa: E402

from recovery.accounts.models import User  # noqa: E402
from recovery.app import create_app  # noqa: E402
from recovery.migrate import upgrade  # noqa: E402
from recovery.sessions.service import start_session  # noqa: E402
from recovery.tickets import queries  # noqa: E402
from recovery.web.context import app_service_context, runtime  # noqa: E402

UNUSABLE = "!"  # no password verifies against this: bench staff use API tokens only
FILL = """
INSERT INTO tickets (category, priority, status, queue, subject, source, locale, tags, signals, attachments,
                     identity_checks, access_nonce, created_at, updated_at, first_response_due_at,
                     resolution_due_at, due_at, first_response_breached, resolution_breached, resolved_at, outcome)
SELECT (ARRAY['stolen_account','unblock_appeal','account_recovery','mfa_reset','other'])[1 + h.a % 5],
       1 + h.b % 4,
       s.status,
       (ARRAY['support-l1','support-l2','security'])[1 + h.c % 3],
       'Ticket ' || g, 'appeal', 'en', '[]', '[]', '[]', '[]', md5(g::text),
       c.created, c.created,
       c.created + interval '4 hours', c.created + interval '3 days',
       CASE WHEN s.status IN ('resolved', 'closed') THEN timestamptz '9999-01-01 00:00+00'
            ELSE c.created + interval '4 hours' END,
       false, false,
       CASE WHEN s.status IN ('resolved', 'closed') THEN c.created + interval '1 day' END,
       CASE WHEN s.status IN ('resolved', 'closed') THEN 'granted' END
FROM generate_series(1, :n) AS g,
     LATERAL (SELECT hashint4(g)::bigint + 2147483648 AS a, hashint4(g + 1)::bigint + 2147483648 AS b,
                     hashint4(g + 2)::bigint + 2147483648 AS c) AS h,
     LATERAL (SELECT timestamptz '2026-03-02 09:00+00' - (g % 400000) * interval '61 seconds' AS created) AS c,
     LATERAL (SELECT CASE WHEN g % 10 = 0 THEN (ARRAY['new','open','waiting_on_user'])[1 + (g / 10) % 3]
                          WHEN g % 10 < 4 THEN 'resolved' ELSE 'closed' END AS status) AS s
"""


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    return f"p50 {statistics.median(ordered):7.2f} ms   p95 {p95:7.2f} ms"


def create_database(server: str) -> tuple[str, str]:
    name = f"recovery_bench_tickets_{uuid.uuid4().hex[:8]}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return name, server.rsplit("/", 1)[0] + "/" + name


def drop_database(server: str, name: str) -> None:
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def fill(app, tickets: int) -> None:
    started = time.perf_counter()
    with app.app_context(), runtime(app).db.transaction() as session:
        session.execute(text(FILL), {"n": tickets})
    with runtime(app).db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE tickets"))
    print(f"filled {tickets:,} tickets in {time.perf_counter() - started:.1f} s")


def add_staff(app, role: str) -> tuple[User, str]:
    with app.app_context(), runtime(app).db.transaction() as session:
        now = runtime(app).clock.now()
        user = User(email=f"{role}@bench.test", password_hash=UNUSABLE, password_changed_at=now, role=role,
                    status="active", locale="en", created_at=now, email_verified_at=now)
        session.add(user)
        session.flush()
        _session, token = start_session(app_service_context(app, session), user.id, kind="api")
        session.expunge(user)
        return user, token


def deep_cursor(app, viewer: User, deep: int) -> str:
    """The cursor a person would hold after paging `deep` rows into the open queue."""
    statement = queries.queue_query(viewer, queries.QueueFilter(), limit=1).offset(deep - 1)
    with app.app_context(), runtime(app).db.transaction() as session:
        return queries.encode_cursor(session.scalars(statement).first())


def explain(app, viewer: User, cursor: str | None, label: str) -> None:
    statement = queries.queue_query(viewer, queries.QueueFilter(), cursor=cursor)
    sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with runtime(app).db.engine.connect() as connection:
        plan = connection.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql)).scalars().all()
    print(f"\nEXPLAIN {label}:\n  " + "\n  ".join(plan))


def time_query(app, viewer: User, cursor: str | None, runs: int) -> list[float]:
    samples = []
    with app.app_context():
        for _ in range(runs):
            with runtime(app).db.transaction() as session:
                ctx = app_service_context(app, session)
                started = time.perf_counter()
                page = queries.list_queue(ctx, viewer, queries.QueueFilter(), cursor=cursor)
                samples.append((time.perf_counter() - started) * 1000)
                assert len(page.tickets) == queries.PAGE_SIZE
    return samples


def time_api(app, token: str, cursor: str | None, runs: int) -> list[float]:
    client = app.test_client()
    query = {"cursor": cursor} if cursor else {}
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/api/v1/tickets", query_string=query, headers={"Authorization": f"Bearer {token}"})
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL URL whose server may CREATE DATABASE")
    args = parser.parse_args()
    name, url = create_database(args.server)
    try:
        upgrade(url)
        with tempfile.TemporaryDirectory() as workdir:
            app = create_app({"env": "testing", "instance_dir": Path(workdir), "database_url": url,
                              "secret_key": "bench-secret-key-that-is-long-enough-0123456789",
                              "ratelimits_enabled": False, "base_url": "https://recovery.example.test",
                              # the bench's staff have API tokens, no authenticator (as in bench/queue_figure.py)
                              "staff_require_mfa": False})
            fill(app, args.tickets)
            for role in ("security", "agent"):
                viewer, token = add_staff(app, role)
                deep = max(100, args.tickets // 20)  # half of the open tickets: 50,000 rows at a million
                cursor = deep_cursor(app, viewer, deep)
                print(f"\n{role} viewer ({', '.join(queries.visible_queues(viewer))}), {args.runs} runs each")
                for label, at in (("first page", None), (f"page {deep:,} rows deep", cursor)):
                    time_query(app, viewer, at, 5)  # warm the cache
                    print(f"  query  {label:<24} {percentiles(time_query(app, viewer, at, args.runs))}")
                    print(f"  api    {label:<24} {percentiles(time_api(app, token, at, args.runs))}")
                explain(app, viewer, None, f"first page ({role})")
                explain(app, viewer, cursor, f"page {deep:,} rows deep ({role})")
            runtime(app).db.dispose()
    finally:
        drop_database(args.server, name)


if __name__ == "__main__":
    main()
