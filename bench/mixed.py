"""Figure 9, the mixed load on PostgreSQL + Redis: what a day's traffic looks like, for 60 s, then the books.

The mix (per 100 requests): 20 sign-ins, 15 wrong passwords, 20 reset requests (known and unknown
addresses), 10 MFA steps (a TOTP code answering a pending sign-in challenge), 15 ticket status pages,
15 agent queue reads through the API and 5 console queue pages, from many simulated clients
(X-Forwarded-For; one address failing across accounts is throttled, rightly), with rate limits on (Redis)
at limits no load reaches and one delivery worker sending mail to the SMTP sink meanwhile. After the load,
the outbox is drained and every message is accounted for: a message neither marked sent nor received by the
sink is lost; the MFA steps that passed are counted from the security log.
"""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from bench import wrk
from bench.context import Run
from bench.loads import attempt, warm_up
from bench.outbox_figure import start_workers
from bench.procs import BIN, run_checked
from bench.recovery_server import PASSWORD, Recovery, client_ip, mfa_step_bodies
from bench.sinks import Sinks
from bench.table import Row, Target, pending
from bench.wrk import Request

SECONDS, QUICK_SECONDS = 60.0, 5.0
SPREAD = 4  # addresses per wrong-password request of the mix (see mix())
MFA_ACCOUNTS = 400  # each passes once per 30-second step: room for ~13 MFA steps a second
DRAIN_SECONDS = 120.0
JSON = {"Content-Type": "application/json"}
ZERO = Target("<=", 0, on="value", text="0")


def mix(recovery: Recovery, mfa_bodies: dict[int, list[str]], spread: int = SPREAD) -> list[Request]:
    """The day's traffic from many clients (one X-Forwarded-For address per kind of request and account).

    Each wrong password comes from `spread` addresses at weight 1 where every other request carries `spread`
    times its weight: the mix stays as above, and no address nears detection's credential-stuffing threshold
    (100 failures from one address in a day), which a faster server would otherwise reach within the load
    (a longer load, the soak, spreads wider).
    """
    s = recovery.seeded
    right, wrong = s.signin_users[:10], s.signin_users[10:]  # wrong passwords lock their accounts for a while
    requests = [_post("/api/v1/sessions", {"email": email, "password": PASSWORD}, weight=2 * spread)
                for email in right]
    requests += [_post("/api/v1/sessions", {"email": email, "password": "not it at all!"})
                 for email in (*wrong, *[s.unknown] * 5) for _ in range(spread)]
    requests += [_post("/api/v1/password-resets", {"email": email}, weight=2 * spread)
                 for email in (*right[:5], *[s.unknown] * 5)]
    requests.append(Request("POST", "/api/v1/sessions/mfa", JSON, weight=10 * spread, step_bodies=mfa_bodies))
    requests.append(Request("GET", f"/appeal/status/{s.status_token}", weight=15 * spread))
    requests.append(Request("GET", "/api/v1/tickets", {"Authorization": f"Bearer {s.agent_token}"},
                            weight=15 * spread))
    requests.append(Request("GET", "/staff/tickets", {"Cookie": s.agent_cookie}, weight=5 * spread))
    return [Request(r.method, r.path, {**r.headers, "X-Forwarded-For": client_ip(n)}, r.body, r.weight,
                    r.step_bodies) for n, r in enumerate(requests)]


def _post(path: str, body: dict, weight: int = 1) -> Request:
    return Request("POST", path, JSON, json.dumps(body), weight)


def outbox_counts(app, kind: str = "email") -> dict[str, int]:
    """Messages of one kind (emails, or webhooks) by status, queued ones split into due now and scheduled later
    (a survey due tomorrow is not late, and not lost); and the worker tasks (reset requests) not run yet, which
    are work lost if left behind."""
    from recovery.outbox.models import OutboxMessage
    from recovery.web.context import runtime

    now = runtime(app).clock.now()
    of_kind = OutboxMessage.kind == kind
    with runtime(app).db.transaction() as session:
        counts = dict(session.execute(select(OutboxMessage.status, func.count()).where(of_kind)
                                      .group_by(OutboxMessage.status)).all())
        counts["scheduled"] = session.scalar(select(func.count()).where(of_kind, OutboxMessage.status == "queued",
                                                                      OutboxMessage.next_attempt_at > now))
        counts["tasks_ran"] = session.scalar(select(func.count()).where(OutboxMessage.kind == "task",
                                                                        OutboxMessage.status == "sent"))
        counts["tasks_pending"] = session.scalar(select(func.count()).where(
            OutboxMessage.kind == "task", OutboxMessage.status.in_(("queued", "sending"))))
    counts["queued"] = counts.get("queued", 0) - counts["scheduled"]
    return counts


def mfa_passed(app) -> int:
    """Second-factor sign-in steps that passed, from the security log (each records mfa.challenge.passed)."""
    from recovery.events.models import SecurityEvent
    from recovery.web.context import runtime

    with runtime(app).db.transaction() as session:
        return session.scalar(select(func.count()).where(SecurityEvent.type == "mfa.challenge.passed"))


def measure(run: Run, sinks: Sinks) -> dict:
    recovery = Recovery(run, name="mixed", limits="high", smtp_port=sinks.smtp_port)
    recovery.prepare()
    recovery.start()
    workers = start_workers(run, recovery, 1, "mixed-delivery")
    try:
        received_before = sinks.stats()["smtp_unique"]
        sent_before = outbox_counts(recovery.app()).get("sent", 0)
        seconds = QUICK_SECONDS if run.quick else SECONDS
        # Warmed up without the MFA steps: their one-shot bodies are all kept for the load.
        warm_up(run, recovery.proc, [r for r in mix(recovery, {}) if r.step_bodies is None], "mixed")
        mfa_bodies = mfa_step_bodies(recovery, MFA_ACCOUNTS, seconds)
        passed_before = mfa_passed(recovery.app())
        result = wrk.run(recovery.proc.url, mix(recovery, mfa_bodies), seconds=seconds, connections=run.connections,
                         workdir=run.workdir, name="mixed")
        passed = mfa_passed(recovery.app()) - passed_before
        print(f"  mixed load: {result.rps:.1f} req/s, p99 {result.p99_ms:.1f} ms, {result.statuses}", flush=True)
        drain(recovery.app(), kinds=("email",))
    finally:
        for proc in workers:
            run.procs.stop(proc)
        recovery.close()
    last_pass(recovery)
    counts = outbox_counts(recovery.app())
    received = sinks.stats()["smtp_unique"] - received_before
    sent = counts.get("sent", 0) - sent_before
    # Lost: due but never delivered, marked sent without reaching the sink, or a task never run. A "failed"
    # message is not lost (staff see it and can retry), but it is reported.
    lost = counts.get("queued", 0) + counts.get("sending", 0) + abs(sent - received) + counts["tasks_pending"]
    print(f"  outbox after the run: {counts}, sink received {received}", flush=True)
    return {"result": result, "seconds": seconds, "counts": counts, "lost": lost, "received": received,
            "mfa_passed": passed}


def drain(app, kinds: tuple[str, ...], seconds: float = DRAIN_SECONDS) -> None:
    """Until nothing of these kinds is due or being sent and no task waits (or `seconds` pass): the delivery
    workers, still running, empty the outbox of what the load queued."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        books = [outbox_counts(app, kind) for kind in kinds]
        if not any(c.get("queued") or c.get("sending") for c in books) and not books[0]["tasks_pending"]:
            return
        time.sleep(0.5)


def last_pass(recovery: Recovery) -> None:
    """After the workers stopped: a periodic job run just before may have queued mail; one pass delivers what
    is due (`recovery worker --once`)."""
    run_checked([str(BIN / "flask"), "--app", "wsgi", "recovery", "worker", "--once"], env=recovery.env())


def rows(run: Run, sinks: Sinks, errors: dict[str, str]) -> list[Row]:
    labels = [("9 mixed load throughput", "req/s", None), ("9 mixed load p99 latency", "ms", None),
              ("9 mixed load MFA steps passed", "per s", None), ("9 mixed load 5xx answers", "answers", ZERO),
              ("9 outbox messages lost (counted after the run)", "messages", ZERO)]
    if not run.postgres:
        return [pending(label, unit, "run with --postgres: the mixed load runs on PostgreSQL + Redis",
                        target=target, missing="needs --postgres") for label, unit, target in labels]
    got = attempt("mixed", lambda: measure(run, sinks), errors)
    if got is None:
        return [pending(label, unit, f"mixed load failed: {errors['mixed']}"[:600], target=target, missing="failed")
                for label, unit, target in labels]
    result: wrk.Result = got["result"]
    name = f"9 mixed load throughput (PostgreSQL + Redis, {got['seconds']:.0f} s)"
    return [
        Row(name, result.rps, "req/s"),
        Row("9 mixed load p99 latency", result.p99_ms, "ms"),
        Row(f"9 mixed load MFA steps passed ({got['mfa_passed']} in {got['seconds']:.0f} s)",
            got["mfa_passed"] / got["seconds"], "per s"),
        Row("9 mixed load 5xx answers", float(result.count(500, 599) + result.socket_errors), "answers", target=ZERO),
        Row(f"9 outbox messages lost (of {got['received']} emails delivered and {got['counts']['tasks_ran']} "
            "reset tasks run, counted after the run)", float(got["lost"]),
            "messages", target=ZERO, note=_outbox_note(got["counts"])),
    ]


def _outbox_note(counts: dict[str, int]) -> str | None:
    failed, scheduled = counts.get("failed", 0), counts.get("scheduled", 0)
    if not failed and not scheduled:
        return None
    return f"after the run: {failed} failed for good (staff can retry), {scheduled} scheduled for later (not due)"
