"""`python -m bench --soak [--soak-minutes N]`: the mixed load for N minutes (default 10), then the books.

recovery under gunicorn (several web workers) on a fresh PostgreSQL database with rate limits in Redis,
2 delivery workers beside it, the SMTP sink and webhook receiver of bench/sinks.py, and a security-team
webhook subscription to every alert. The load is figure 9's mix (bench/mixed.py), run as one wrk load per
minute so the one-shot MFA bodies of each minute are seeded fresh (a challenge lives 5 minutes) while the
minute before runs. Reported: throughput, p50/p99, 5xx; every email and webhook queued against what the
sinks received (each exactly once) after the outbox drained; each process's resident memory after the
warm-up and at the end.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bench import wrk
from bench.context import Run
from bench.loads import attempt
from bench.mixed import MFA_ACCOUNTS, SPREAD, ZERO, drain, last_pass, mfa_passed, mix, outbox_counts
from bench.outbox_figure import start_workers
from bench.procs import Proc, group_rss
from bench.recovery_server import Recovery, mfa_accounts, mfa_step_bodies, subscribe_webhooks
from bench.sinks import Sinks
from bench.table import Row, Target, pending, ratio_of

MINUTE = 60.0  # one wrk load; its MFA bodies are seeded during the minute before
MFA_MARGIN_SECONDS = 30.0  # a minute's MFA bodies reach this far past its planned end (it may start late)
WARM_UP_SECONDS = 30.0  # before the memory is first read: imports, pools, caches filled
DELIVERY_WORKERS = 2
WEB_WORKERS = 3
DRAIN_SECONDS = 300.0
GROWTH = Target("<=", 1.10, text="≤ 1.10 (growth < 10 %)")
ONCE = Target("==", 1.0, text="1 (each once)")
SINK_KEYS = {"email": ("smtp_unique", "smtp_messages"), "webhook": ("webhook_unique", "webhook_posts")}
MB = 1024 * 1024


@dataclass(frozen=True)
class Books:
    """One kind's exactly-once books after the drain: the outbox's rows against what the sink received."""

    kind: str
    queued: int  # every row due by the end, whatever its status (scheduled for later: not counted)
    sent: int  # rows marked sent
    received: int  # distinct idempotency keys at the sink
    deliveries: int  # everything the sink got, repeats included

    @property
    def duplicates(self) -> int:
        return self.deliveries - self.received

    @property
    def exactly_once(self) -> bool:
        return self.received == self.queued == self.sent and self.duplicates == 0


def books_of(kind: str, counts: dict[str, int], stats: dict) -> Books:
    """Books from outbox_counts (by status) and the sinks' /stats."""
    unique, total = SINK_KEYS[kind]
    queued = sum(counts.get(status, 0) for status in ("queued", "sending", "sent", "failed"))
    return Books(kind, queued=queued, sent=counts.get("sent", 0), received=stats[unique], deliveries=stats[total])


@dataclass(frozen=True)
class Memory:
    """One process's resident memory after the warm-up and at the end (None: not alive then)."""

    label: str
    pid: int
    start: int | None
    end: int | None

    @property
    def ratio(self) -> float | None:
        return self.end / self.start if self.start and self.end is not None else None

    @property
    def growth_percent(self) -> float | None:
        return None if self.ratio is None else 100 * (self.ratio - 1)


def labels_of(web: Proc, delivery: list[Proc], rss: dict[int, int]) -> dict[int, str]:
    """Names for the pids in `rss`: the web master, web worker 1 to n (by pid), delivery worker 1 to n."""
    labels = {web.popen.pid: "web master"} if web.popen.pid in rss else {}
    workers = sorted(pid for pid in rss if pid != web.popen.pid and pid not in {p.popen.pid for p in delivery})
    labels |= {pid: f"web worker {n}" for n, pid in enumerate(workers, 1)}
    labels |= {proc.popen.pid: f"delivery worker {n}" for n, proc in enumerate(delivery, 1) if proc.popen.pid in rss}
    return labels


def memory_books(labels: dict[int, str], start: dict[int, int], end: dict[int, int]) -> list[Memory]:
    """Each process seen at the start, with its end (None if it exited), then any that started since (a web
    worker gunicorn replaced), in label order."""
    books = [Memory(label, pid, start.get(pid), end.get(pid)) for pid, label in labels.items()]
    books += [Memory("web worker started during the soak", pid, None, rss)
              for pid, rss in sorted(end.items()) if pid not in labels]
    return books


def rss_of(web: Proc, delivery: list[Proc]) -> dict[int, int]:
    rss = group_rss(web)
    for proc in delivery:
        rss |= group_rss(proc)
    return rss


def memory_line(labels: dict[int, str], rss: dict[int, int]) -> str:
    """Each process's RSS in MB on one line, to see a trend minute by minute (a leak climbs, a cache levels)."""
    return "  ".join(f"{labels.get(pid, f'pid {pid}')} {size / MB:.0f}" for pid, size in sorted(rss.items()))


def mfa_accounts_needed(rps: float | None, share: float, available: int) -> int:
    """Accounts whose challenges a minute's MFA steps need: one per step each, for twice the rate of the last
    minute measured (all of them before any was), at least 20: seeding costs the runner CPU on the machine
    the servers share, and an account left over is only a challenge not used."""
    if rps is None:
        return available
    return min(available, max(20, math.ceil(2 * rps * share * 30)))


def _seeded(recovery: Recovery, accounts: list[tuple[int, str]], after: float) -> tuple[dict, float, int]:
    started = time.monotonic()
    bodies = mfa_step_bodies(recovery, accounts, MINUTE, after=after, margin=MFA_MARGIN_SECONDS)
    return bodies, time.monotonic() - started, len(accounts)


def mfa_share(requests: list[wrk.Request]) -> float:
    """The share of a mix's requests that are MFA steps (those with one-shot bodies), by weight."""
    return sum(r.weight for r in requests if r.step_bodies is not None) / sum(r.weight for r in requests)


def load(run: Run, recovery: Recovery, minutes: int, spread: int, watch: Callable[[], str]) -> list[wrk.Result]:
    """One wrk load per minute; the next minute's MFA bodies are seeded in a thread while this one runs, for
    as many accounts as the minute before needed; after each minute, `watch()` is printed (the memory).

    Odd and even minutes take their accounts from two separate lanes: a 30-second step straddles the end of
    each minute, and the next minute's wrk starts its bodies afresh, so an account with a body for that step
    in both minutes would have its accepted code replayed (a 401). Two minutes apart, the steps differ."""
    assert recovery.proc is not None
    made = mfa_accounts(recovery, 2 * MFA_ACCOUNTS)
    lanes = (made[:MFA_ACCOUNTS], made[MFA_ACCOUNTS:])
    share = mfa_share(mix(recovery, {}, spread))
    results: list[wrk.Result] = []
    with ThreadPoolExecutor(1) as seeder:
        upcoming = seeder.submit(_seeded, recovery, lanes[0], 0.0)
        for minute in range(1, minutes + 1):
            bodies, seeding, seeded = upcoming.result()
            if minute < minutes:
                needed = mfa_accounts_needed(results[-1].rps if results else None, share, MFA_ACCOUNTS)
                upcoming = seeder.submit(_seeded, recovery, lanes[minute % 2][:needed], MINUTE)
            result = wrk.run(recovery.proc.url, mix(recovery, bodies, spread), seconds=MINUTE,
                             connections=run.connections, workdir=run.workdir, name=f"soak-{minute}")
            print(f"  minute {minute:>3}: {result.rps:7.1f} req/s  p50 {result.p50_ms:6.1f} ms  "
                  f"p99 {result.p99_ms:7.1f} ms  {dict(sorted(result.statuses.items()))}  "
                  f"(MFA bodies of {seeded} accounts seeded in {seeding:.1f} s)\n    RSS MB: {watch()}",
                  flush=True)
            results.append(result)
    return results


def measure(run: Run, minutes: int, delivery_workers: int) -> dict:
    sinks = Sinks.start(run)
    recovery = Recovery(run, name="soak", limits="high", smtp_port=sinks.smtp_port)
    recovery.prepare()
    subscribe_webhooks(recovery, sinks.webhook_url)
    recovery.start()
    assert recovery.proc is not None
    workers = start_workers(run, recovery, delivery_workers, "soak-delivery")
    spread = spread_for(minutes)
    try:
        print(f"  warm-up {WARM_UP_SECONDS:.0f} s", flush=True)
        wrk.run(recovery.proc.url, [r for r in mix(recovery, {}, spread) if r.step_bodies is None],
                seconds=WARM_UP_SECONDS, connections=run.connections, workdir=run.workdir, name="soak-warm-up")
        start = rss_of(recovery.proc, workers)
        labels = labels_of(recovery.proc, workers, start)
        print(f"    RSS MB after the warm-up: {memory_line(labels, start)}", flush=True)
        passed_before = mfa_passed(recovery.app())
        minutes_run = load(run, recovery, minutes, spread, lambda: memory_line(labels, rss_of(recovery.proc, workers)))
        passed = mfa_passed(recovery.app()) - passed_before
        print("  draining the outbox", flush=True)
        drain(recovery.app(), kinds=("email", "webhook"), seconds=DRAIN_SECONDS)
        end = rss_of(recovery.proc, workers)
    finally:
        for proc in workers:
            run.procs.stop(proc)
        recovery.close()
    last_pass(recovery)
    stats = sinks.stats()
    books = [books_of(kind, outbox_counts(recovery.app(), kind), stats) for kind in SINK_KEYS]
    print(f"  books: {books}", flush=True)
    return {"minutes": minutes_run, "books": books, "memory": memory_books(labels, start, end), "mfa_passed": passed,
            "mfa_share": mfa_share(mix(recovery, {}, spread))}


def load_rows(minutes: list[wrk.Result], title: str, mfa_steps: int, share: float) -> list[Row]:
    """Rate, drift, latency, MFA steps that passed against those sent (a replayed or missing one-shot body
    is refused), and 5xx."""
    whole = wrk.combine(minutes)
    sent = share * whole.requests
    worst = max(minutes, key=lambda r: r.p99_ms)
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(whole.statuses.items()))
    return [
        Row(f"soak throughput ({title})", whole.rps, "req/s", note=f"answers by status: {statuses}"),
        Row("soak throughput, last minute against the first", minutes[-1].rps, "req/s", peer="first minute",
            peer_value=minutes[0].rps, ratio=ratio_of(minutes[-1].rps, minutes[0].rps)),
        Row("soak p50 latency (mean of the minutes)", whole.p50_ms, "ms"),
        Row("soak p99 latency (mean of the minutes)", whole.p99_ms, "ms", peer="worst minute",
            peer_value=worst.p99_ms),
        Row(f"soak MFA steps passed ({mfa_steps} of about {sent:.0f} sent)", mfa_steps / whole.seconds, "per s",
            peer="sent", peer_value=sent / whole.seconds, ratio=ratio_of(mfa_steps, sent)),
        Row("soak 5xx answers and socket errors", float(whole.count(500, 599) + whole.socket_errors), "answers",
            target=ZERO),
    ]


def delivery_rows(books: Books) -> list[Row]:
    name = {"email": "emails", "webhook": "webhooks"}[books.kind]
    note = None
    if books.queued == 0:
        note = f"no {books.kind} was queued during the soak: nothing to judge"
    elif books.sent != books.received:
        note = f"{books.sent} marked sent, {books.received} received: the outbox and the sink disagree"
    return [
        Row(f"soak {name} received (distinct) of those queued, after the drain", float(books.received), "messages",
            peer="queued", peer_value=float(books.queued), ratio=ratio_of(books.received, books.queued),
            target=ONCE, note=note),
        Row(f"soak {name} received more than once", float(books.duplicates), "deliveries", target=ZERO),
    ]


def memory_rows(memory: list[Memory]) -> list[Row]:
    rows = []
    for m in memory:
        label = f"soak RSS {m.label} (pid {m.pid})"
        if m.growth_percent is not None:
            label += f", {m.growth_percent:+.1f} %"
        note = None if m.end is not None else "exited before the end of the soak"
        if m.start is None:
            note = "started during the soak (gunicorn replaced a worker): no start to compare with"
        rows.append(Row(label, m.end / MB if m.end is not None else None, "MB", peer="after warm-up",
                        peer_value=m.start / MB if m.start is not None else None, ratio=m.ratio,
                        target=GROWTH if m.start is not None else None, note=note, missing="exited"))
    return rows


def rows(run: Run, minutes: int, delivery_workers: int = DELIVERY_WORKERS) -> list[Row]:
    errors: dict[str, str] = {}
    got = attempt("soak", lambda: measure(run, minutes, delivery_workers), errors)
    if got is None:
        return [pending("soak", "", f"soak failed: {errors['soak']}"[:600], missing="failed")]
    title = (f"{minutes} min, PostgreSQL + Redis, {run.workers} web workers x {run.threads} threads, "
             f"{delivery_workers} delivery workers")
    return [*load_rows(got["minutes"], title, got["mfa_passed"], got["mfa_share"]),
            *[row for b in got["books"] for row in delivery_rows(b)], *memory_rows(got["memory"])]


def spread_for(minutes: int) -> int:
    """Addresses per wrong password: each fails about as often in the soak as in figure 9's one minute, under
    the 100 failures a day from one address that detection throttles as credential stuffing."""
    return SPREAD * max(1, minutes)
