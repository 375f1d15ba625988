"""Figure 7, cheap pages: the requester's ticket status page and the agents' queue page against the page
ceiling under the same gunicorn (same workers, same connections): a bare Flask endpoint that reads one row of
its database and renders it in one template, the most any database-backed page under this gunicorn reaches
(issue 19's targets: the status page at least 0.5 of it, the queue page at least 0.3). The ceiling's own row
compares it with a bare Flask endpoint that reads nothing, with no target. All four loads run in the same
alternating rounds, as figures 2 and 3 do.
"""

from __future__ import annotations

from bench.context import Run
from bench.loads import Load, measure_in_rounds
from bench.procs import Proc
from bench.recovery_server import Recovery
from bench.table import Row, Target, pending, ratio_of
from bench.wrk import Request

STATUS_TARGET = Target(">=", 0.5)
QUEUE_TARGET = Target(">=", 0.3)
PENDING = "the ticket pages (tickets, issue 5) have not landed yet"


def measure_all(run: Run, recovery: Recovery, bare: Proc | None, errors: dict[str, str]) -> dict:
    """The bare endpoint and the two pages in alternating rounds (bench.loads.measure_in_rounds)."""
    seeded = recovery.seeded
    loads = [Load("bare", bare, "bare-flask", [Request("GET", "/bare")], {200}),
             Load("bare_page", bare, "bare-page", [Request("GET", "/bare/page")], {200})] if bare is not None else []
    if seeded.status_token is not None:
        loads += [Load("status_page", recovery.proc, "status-page",
                       [Request("GET", f"/appeal/status/{seeded.status_token}")], {200}),
                  Load("queue_page", recovery.proc, "queue-page",
                       [Request("GET", "/staff/tickets", {"Cookie": seeded.agent_cookie})], {200})]
    return measure_in_rounds(run, loads, errors)


def rows(got: dict, errors: dict[str, str]) -> list[Row]:
    bare = got.get("bare")
    bare_rate = bare.rate_of({200}) if bare else None
    ceiling = got.get("bare_page")
    ceiling_rate = ceiling.rate_of({200}) if ceiling else None
    ceiling_note = f"page ceiling failed: {errors['bare_page']}" if "bare_page" in errors else None
    out = [_ceiling_row(got, errors, bare_rate)] if "bare_page" in got or "bare_page" in errors else []
    for key, label, target in (("status_page", "7 ticket status page vs page ceiling", STATUS_TARGET),
                               ("queue_page", "7 agent queue page vs page ceiling", QUEUE_TARGET)):
        if key not in got and key not in errors:
            out.append(pending(label, "req/s", PENDING, peer="page ceiling", peer_value=ceiling_rate, target=target))
            continue
        result = got.get(key)
        rate = result.rate_of({200}) if result else None
        note = f"{key.replace('_', ' ')} failed: {errors[key]}" if key in errors else ceiling_note
        out.append(Row(label, rate, "req/s", peer="page ceiling", peer_value=ceiling_rate,
                       ratio=ratio_of(rate, ceiling_rate), target=target, note=note))
    return out


def _ceiling_row(got: dict, errors: dict[str, str], bare_rate: float | None) -> Row:
    """No target: what a page with one read and one template reaches (bench/wsgi_bare.py `GET /bare/page`)."""
    result = got.get("bare_page")
    rate = result.rate_of({200}) if result else None
    note = f"bare page failed: {errors['bare_page']}" if "bare_page" in errors else None
    return Row("7 page ceiling: bare Flask endpoint that reads one row and renders it (GET /bare/page)", rate,
               "req/s", peer="bare Flask", peer_value=bare_rate, ratio=ratio_of(rate, bare_rate), note=note)
