"""The ceiling rows beside figures 3 and 7: no target, the ratio against the same peer as the figure's own row."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ is not an installed package

from bench import pages, totp_figure  # noqa: E402
from bench.wrk import Result  # noqa: E402


def _load(answers: int, seconds: float = 10.0) -> Result:
    return Result(requests=answers, seconds=seconds, statuses={200: answers}, p50_ms=1.0, p90_ms=2.0, p99_ms=3.0,
                  socket_errors=0, output="")


def test_the_page_ceiling_row_is_its_rate_over_the_bare_endpoints_without_a_target():
    rows = pages.rows({"bare": _load(50_000), "bare_page": _load(20_000), "status_page": _load(5_000),
                       "queue_page": _load(8_000)}, {})
    ceiling = next(row for row in rows if row.figure.startswith("7 page ceiling"))
    assert (ceiling.value, ceiling.peer_value, ceiling.ratio, ceiling.target) == (2000.0, 5000.0, 0.4, None)


def test_the_two_pages_are_read_against_the_page_ceiling_with_the_issues_targets():
    rows = pages.rows({"bare": _load(50_000), "bare_page": _load(20_000), "status_page": _load(10_000),
                       "queue_page": _load(5_000)}, {})
    status = next(row for row in rows if row.figure == "7 ticket status page vs page ceiling")
    queue = next(row for row in rows if row.figure == "7 agent queue page vs page ceiling")
    assert (status.peer, status.peer_value, status.ratio, status.met) == ("page ceiling", 2000.0, 0.5, True)
    assert (queue.peer, queue.peer_value, queue.ratio, queue.met) == ("page ceiling", 2000.0, 0.25, False)
    assert (status.target.op, status.target.bound, queue.target.op, queue.target.bound) == (">=", 0.5, ">=", 0.3)
    failed = pages.rows({"bare": _load(50_000), "status_page": _load(10_000)}, {"bare_page": "refused"})
    status = next(row for row in failed if row.figure.startswith("7 ticket status page"))
    assert status.ratio is None and status.note == "page ceiling failed: refused"


def test_a_failed_page_ceiling_says_why_and_no_ceiling_row_without_the_load():
    failed = pages.rows({"bare": _load(50_000)}, {"bare_page": "connection refused"})
    assert [row.note for row in failed if row.figure.startswith("7 page ceiling")] == [
        "bare page failed: connection refused"]
    assert not [row for row in pages.rows({"bare": _load(50_000)}, {}) if row.figure.startswith("7 page ceiling")]


def test_the_least_totp_step_row_is_fst_over_its_median_and_absent_without_samples():
    rows = totp_figure.least_rows({"recovery": [8.0], "fst": [12.0, 12.0, 12.0], "least": [2.0, 3.0, 4.0]}, {})
    assert [(row.value, row.peer_value, row.ratio, row.target) for row in rows] == [(3.0, 12.0, 4.0, None)]
    assert "n=3" in rows[0].figure
    assert totp_figure.least_rows({"recovery": None, "fst": [12.0], "least": None}, {}) == []
    assert totp_figure.least_rows(None, {}) == []


def test_a_failed_least_totp_step_says_why_in_its_own_row():
    rows = totp_figure.least_rows({"recovery": [8.0], "fst": [12.0], "least": [2.0]},
                                  {"totp_least": "the least TOTP step answered 400"})
    assert [(row.value, row.note) for row in rows] == [(None, "least step failed: the least TOTP step answered 400")]
