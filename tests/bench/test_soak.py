"""The soak's pure parts on fixed inputs: /proc parsing, exactly-once books, memory growth, its rows and options."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ is not an installed package

from bench import soak  # noqa: E402
from bench.__main__ import parse_args  # noqa: E402
from bench.mixed import SPREAD  # noqa: E402
from bench.procs import parse_stat  # noqa: E402
from bench.wrk import Result  # noqa: E402

MB = 1024 * 1024
# A real line of /proc/PID/stat for a gunicorn worker, its name changed to hold a space and a parenthesis.
STAT = ("712 (gunicorn: w) x) S 711 711 18671 0 -1 4194368 52311 0 3 0 1520 311 0 0 20 0 1 0 1026464 "
        "412000256 63012 18446744073709551615 1 1 0 0 0 0 0 16781312 17442 0 0 0 17 1 0 0 0 0 0")


def test_parse_stat_reads_the_fields_after_a_command_name_with_spaces_and_parentheses():
    stat = parse_stat(STAT)
    assert (stat.pid, stat.ppid, stat.group, stat.cpu_ticks, stat.rss_pages) == (712, 711, 711, 1831, 63012)


def test_parse_stat_refuses_a_line_that_is_not_a_stat_line():
    with pytest.raises((ValueError, IndexError)):
        parse_stat("not a stat line")


def _stats(smtp=(3, 3), webhook=(2, 2)) -> dict:
    return {"smtp_unique": smtp[0], "smtp_messages": smtp[1], "webhook_unique": webhook[0],
            "webhook_posts": webhook[1]}


def test_books_count_every_due_status_as_queued_and_leave_scheduled_mail_out():
    counts = {"sent": 3, "queued": 0, "scheduled": 4, "tasks_ran": 9, "tasks_pending": 0}
    books = soak.books_of("email", counts, _stats())
    assert (books.queued, books.sent, books.received, books.duplicates, books.exactly_once) == (3, 3, 3, 0, True)


def test_books_are_not_exactly_once_with_a_repeat_a_loss_or_a_message_left_unsent():
    repeated = soak.books_of("webhook", {"sent": 2}, _stats(webhook=(2, 3)))
    lost = soak.books_of("email", {"sent": 3}, _stats(smtp=(2, 2)))
    unsent = soak.books_of("email", {"sent": 2, "queued": 1}, _stats(smtp=(2, 2)))
    failed = soak.books_of("email", {"sent": 2, "failed": 1}, _stats(smtp=(3, 3)))  # failed, yet it arrived
    assert repeated.duplicates == 1 and not repeated.exactly_once
    assert [b.exactly_once for b in (lost, unsent, failed)] == [False, False, False]
    assert (unsent.queued, failed.queued) == (3, 3)


def test_delivery_rows_judge_received_against_queued_and_repeats_against_zero():
    good, doubled = soak.delivery_rows(soak.Books("email", 10, 10, 10, 10)), \
        soak.delivery_rows(soak.Books("webhook", 10, 10, 10, 12))
    assert [(r.value, r.peer_value, r.ratio, r.met) for r in good] == [(10, 10, 1.0, True), (0, None, None, True)]
    assert [r.met for r in doubled] == [True, False] and doubled[1].value == 2
    short = soak.delivery_rows(soak.Books("email", 10, 10, 9, 9))
    assert short[0].met is False and "10 marked sent, 9 received" in (short[0].note or "")


def test_delivery_rows_say_so_when_nothing_was_queued_instead_of_judging():
    none = soak.delivery_rows(soak.Books("webhook", 0, 0, 0, 0))
    assert none[0].met is None and "no webhook was queued" in (none[0].note or "")


def test_memory_growth_is_end_over_start_and_none_when_a_side_is_missing():
    assert soak.Memory("w", 1, 100 * MB, 109 * MB).growth_percent == pytest.approx(9.0)
    assert soak.Memory("w", 1, 100 * MB, None).growth_percent is None
    assert soak.Memory("w", 1, None, 100 * MB).ratio is None


def test_memory_books_keep_the_start_labels_and_add_workers_started_since():
    labels = {10: "web master", 11: "web worker 1", 20: "delivery worker 1"}
    books = soak.memory_books(labels, {10: 5, 11: 50, 20: 30}, {10: 5, 20: 33, 12: 52})
    assert [(m.label, m.pid, m.start, m.end) for m in books] == [
        ("web master", 10, 5, 5), ("web worker 1", 11, 50, None), ("delivery worker 1", 20, 30, 33),
        ("web worker started during the soak", 12, None, 52)]


def test_memory_rows_meet_the_target_under_10_percent_growth_and_miss_it_above():
    rows = soak.memory_rows([soak.Memory("web worker 1", 11, 200 * MB, 219 * MB),
                             soak.Memory("web worker 2", 12, 200 * MB, 221 * MB),
                             soak.Memory("delivery worker 1", 20, 100 * MB, None),
                             soak.Memory("web worker started during the soak", 13, None, 90 * MB)])
    assert [r.met for r in rows] == [True, False, None, None]
    assert rows[0].figure == "soak RSS web worker 1 (pid 11), +9.5 %" and (rows[0].value, rows[0].peer_value) == (
        219, 200)
    assert rows[2].value is None and rows[2].missing == "exited" and rows[2].target is not None
    assert rows[3].figure == "soak RSS web worker started during the soak (pid 13)" and rows[3].target is None


def test_labels_name_the_master_its_workers_by_pid_and_each_delivery_worker():
    web = SimpleNamespace(popen=SimpleNamespace(pid=10))
    delivery = [SimpleNamespace(popen=SimpleNamespace(pid=30)), SimpleNamespace(popen=SimpleNamespace(pid=20))]
    rss = {10: 1, 14: 1, 12: 1, 30: 1, 20: 1}
    assert soak.labels_of(web, delivery, rss) == {10: "web master", 12: "web worker 1", 14: "web worker 2",
                                                  30: "delivery worker 1", 20: "delivery worker 2"}


def _minute(rps: float, p99: float, statuses: dict[int, int], socket_errors: int = 0) -> Result:
    return Result(requests=int(rps * 60), seconds=60.0, statuses=statuses, p50_ms=10.0, p90_ms=20.0, p99_ms=p99,
                  socket_errors=socket_errors, output="")


def test_load_rows_count_5xx_with_socket_errors_and_compare_the_last_minute_with_the_first():
    rows = soak.load_rows([_minute(20, 100, {200: 1190, 503: 10}), _minute(18, 300, {200: 1080}, 2)], "2 min",
                          mfa_steps=200, share=0.1)
    by_name = {row.figure: row for row in rows}
    assert by_name["soak throughput (2 min)"].value == pytest.approx(19.0)
    drift = by_name["soak throughput, last minute against the first"]
    assert (drift.value, drift.peer_value, drift.ratio) == (18, 20, pytest.approx(0.9))
    p99 = by_name["soak p99 latency (mean of the minutes)"]
    assert p99.peer_value == 300 and p99.value == pytest.approx((100 * 1200 + 300 * 1080) / 2280)
    errors = by_name["soak 5xx answers and socket errors"]
    assert errors.value == 12 and errors.met is False
    assert "503: 10" in (by_name["soak throughput (2 min)"].note or "")
    mfa = by_name["soak MFA steps passed (200 of about 228 sent)"]
    assert mfa.ratio == pytest.approx(200 / 228) and mfa.value == pytest.approx(200 / 120)


def test_the_mfa_share_is_the_weight_of_the_requests_with_one_shot_bodies():
    from bench.wrk import Request

    assert soak.mfa_share([Request("GET", "/", weight=9), Request("POST", "/mfa", weight=1, step_bodies={})]) == 0.1


def test_soak_options_default_to_ten_minutes_on_postgresql_and_refuse_zero_minutes():
    args = parse_args(["--soak"])
    assert (args.soak, args.soak_minutes, args.postgres, args.delivery_workers, args.redis_db) == (
        True, 10, True, 2, 0)
    assert parse_args(["--soak", "--soak-minutes", "1", "--redis-db", "7"]).soak_minutes == 1
    assert parse_args([]).postgres is False
    with pytest.raises(SystemExit):
        parse_args(["--soak", "--soak-minutes", "0"])


def test_a_longer_soak_spreads_wrong_passwords_over_proportionally_more_addresses():
    assert (soak.spread_for(1), soak.spread_for(10)) == (SPREAD, 10 * SPREAD)


def test_each_minute_loads_the_mfa_bodies_seeded_for_it_the_next_seeded_while_it_runs(monkeypatch, tmp_path):
    events: list[str] = []
    seeded: list[int] = []

    def bodies(_recovery, _accounts, seconds, *, after=0.0, margin=90.0):
        events.append(f"seed after={after:.0f}")
        seeded.append(len(_accounts))
        return {"seeded after": after}

    def run(_url, requests, *, name, **_kw):
        events.append(f"{name} with {requests[1].step_bodies['seeded after']}")
        return _minute(10, 50, {200: 600})

    monkeypatch.setattr(soak, "mfa_accounts", lambda _recovery, n: [(1, "secret")] * n)
    monkeypatch.setattr(soak, "mfa_step_bodies", bodies)
    monkeypatch.setattr(soak, "mix", lambda _recovery, mfa_bodies, spread: [
        SimpleNamespace(weight=9, step_bodies=None), SimpleNamespace(weight=1, step_bodies=mfa_bodies)])
    monkeypatch.setattr(soak.wrk, "run", run)
    recovery = SimpleNamespace(proc=SimpleNamespace(url="http://127.0.0.1:1"))
    results = soak.load(SimpleNamespace(connections=2, workdir=tmp_path), recovery, 3, SPREAD, lambda: "")
    assert len(results) == 3
    loads = [e for e in events if e.startswith("soak-")]
    assert loads == ["soak-1 with 0.0", "soak-2 with 60.0", "soak-3 with 60.0"]
    assert events.count("seed after=60") == 2 and events[0] == "seed after=0"
    # minute 3's bodies are seeded during minute 2, for twice minute 1's MFA steps (10 req/s, a tenth MFA)
    assert seeded == [soak.MFA_ACCOUNTS, soak.MFA_ACCOUNTS, 60]


def test_mfa_accounts_follow_twice_the_last_minutes_rate_of_mfa_steps_within_bounds():
    assert soak.mfa_accounts_needed(None, 0.1, 400) == 400  # before any minute was measured: all
    assert soak.mfa_accounts_needed(20.0, 0.1, 400) == 120  # 2 MFA steps a second, 30-second steps, twice
    assert soak.mfa_accounts_needed(1.0, 0.1, 400) == 20
    assert soak.mfa_accounts_needed(500.0, 0.1, 400) == 400


def test_consecutive_minutes_use_different_mfa_accounts_so_no_code_is_replayed(monkeypatch, tmp_path):
    """A 30-second step straddles each minute's end, and each minute's wrk starts its bodies afresh: if the
    same account had a body for that step in both minutes, the second minute would replay an accepted code."""
    seeded: list[set[int]] = []
    monkeypatch.setattr(soak, "mfa_accounts", lambda _recovery, n: [(i, "secret") for i in range(n)])
    monkeypatch.setattr(soak, "mfa_step_bodies", lambda _r, accounts, _s, **_kw: seeded.append(
        {i for i, _ in accounts}) or {})
    monkeypatch.setattr(soak, "mix", lambda _recovery, mfa_bodies, spread: [SimpleNamespace(weight=1,
                                                                                           step_bodies=mfa_bodies)])
    monkeypatch.setattr(soak.wrk, "run", lambda *_a, **_kw: _minute(1000, 50, {200: 60_000}))
    recovery = SimpleNamespace(proc=SimpleNamespace(url="http://127.0.0.1:1"))
    soak.load(SimpleNamespace(connections=2, workdir=tmp_path), recovery, 4, SPREAD, lambda: "")
    assert len(seeded) == 4 and all(seeded)
    assert all(not (seeded[n] & seeded[n + 1]) for n in range(3))
