"""Figure 7, cheap pages: the requester's ticket status page and the agents' queue page against a bare Flask
endpoint under the same gunicorn (same workers, same connections): what recovery's stack costs per page.
"""

from __future__ import annotations

from bench.context import Run
from bench.loads import attempt, measure
from bench.procs import Proc
from bench.recovery_server import Recovery
from bench.table import Row, Target, pending, ratio_of
from bench.wrk import Request

TARGET = Target(">=", 0.4)
PENDING = "the ticket pages (tickets, issue 5) have not landed yet"


def measure_all(run: Run, recovery: Recovery, bare: Proc | None, errors: dict[str, str]) -> dict:
    seeded = recovery.seeded
    got: dict = {}
    if bare is not None:
        got["bare"] = attempt("bare", lambda: measure(run, bare, "bare-flask", [Request("GET", "/bare")], {200}),
                              errors)
    if seeded.status_token is None:
        return got
    got["status"] = attempt("status_page", lambda: measure(
        run, recovery.proc, "status-page", [Request("GET", f"/appeal/status/{seeded.status_token}")], {200}), errors)
    got["queue"] = attempt("queue_page", lambda: measure(
        run, recovery.proc, "queue-page", [Request("GET", "/staff/tickets", {"Cookie": seeded.agent_cookie})],
        {200}), errors)
    return got


def rows(got: dict, errors: dict[str, str]) -> list[Row]:
    bare = got.get("bare")
    bare_rate = bare.rate_of({200}) if bare else None
    bare_note = f"bare Flask failed: {errors['bare']}" if "bare" in errors else None
    out = []
    for key, label in (("status", "7 ticket status page vs bare Flask"), ("queue", "7 agent queue page vs bare Flask")):
        if key not in got and f"{key}_page" not in errors:
            out.append(pending(label, "req/s", PENDING, peer="bare Flask", peer_value=bare_rate, target=TARGET))
            continue
        result = got.get(key)
        rate = result.rate_of({200}) if result else None
        note = f"{key} page failed: {errors[f'{key}_page']}" if f"{key}_page" in errors else bare_note
        out.append(Row(label, rate, "req/s", peer="bare Flask", peer_value=bare_rate, ratio=ratio_of(rate, bare_rate),
                       target=TARGET, note=note))
    return out
