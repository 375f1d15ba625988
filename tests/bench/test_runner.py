"""The bench's table and JSON on fixed rows: every figure's columns, targets judged, missing figures said."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ is not an installed package

from bench.table import JSON_KEYS, Row, Target, format_markdown, format_table, pending, ratio_of, write_json  # noqa: E402


def fixed_rows() -> list[Row]:
    return [
        Row("1 argon2 floor", 100.0, "verifies/s"),
        Row("2 sign-in", 95.0, "req/s", peer="argon2 floor", peer_value=100.0, ratio=ratio_of(95.0, 100.0),
            target=Target(">=", 0.92)),
        Row("3 reset request vs django-allauth", 300.0, "req/s", peer="django-allauth", peer_value=200.0,
            ratio=1.5, target=Target(">=", 2.0)),
        Row("4 reset median", 10.1, "ms", peer="unknown email", peer_value=10.0, ratio=1.01,
            target=Target("==", 1.0, tolerance=0.02)),
        pending("5 risk scoring", "ms", "risk scoring (detection, issue 6) has not landed yet",
                target=Target("<=", 1.2)),
        Row("6 queue p95", 12.0, "ms", target=Target("<=", 20.0, on="value")),
    ]


def test_write_json_rows_have_exactly_the_issue_keys(tmp_path):
    path = tmp_path / "bench.json"
    write_json(fixed_rows(), path)
    rows = json.loads(path.read_text())
    assert [tuple(row) for row in rows] == [JSON_KEYS] * 6
    assert rows[1] == {"figure": "2 sign-in", "value": 95.0, "unit": "req/s", "peer": "argon2 floor",
                       "peer_value": 100.0, "ratio": 0.95, "target": "≥ 0.92", "met": True}


def test_write_json_targets_judged_on_ratio_or_value(tmp_path):
    path = tmp_path / "bench.json"
    write_json(fixed_rows(), path)
    met = {row["figure"]: row["met"] for row in json.loads(path.read_text())}
    assert met == {"1 argon2 floor": None, "2 sign-in": True, "3 reset request vs django-allauth": False,
                   "4 reset median": True, "5 risk scoring": None, "6 queue p95": True}


def test_write_json_missing_figure_has_null_value_not_a_number(tmp_path):
    path = tmp_path / "bench.json"
    write_json(fixed_rows(), path)
    risk = json.loads(path.read_text())[4]
    assert risk["value"] is None and risk["ratio"] is None and risk["met"] is None
    assert risk["target"] == "≤ 1.2"


def test_format_table_prints_header_every_row_and_the_reason_for_missing_values():
    lines = format_table(fixed_rows()).splitlines()
    assert lines[0].split() == ["figure", "value", "unit", "peer", "peer", "value", "ratio", "target", "met"]
    assert len(lines) == 2 + 6 + 1
    assert "not available yet [1]" in lines[6]
    assert lines[-1] == "[1] risk scoring (detection, issue 6) has not landed yet"
    assert lines[3].split()[-3:] == ["≥", "0.92", "yes"] and lines[4].split()[-3:] == ["≥", "2", "NO"]


def test_format_table_rows_sharing_a_reason_share_one_footnote():
    why = "run with --postgres: the mixed load runs on PostgreSQL + Redis"
    rows = [pending("9 throughput", "req/s", why, missing="needs --postgres"),
            pending("9 p99", "ms", why, missing="needs --postgres")]
    lines = format_table(rows).splitlines()
    assert "needs --postgres [1]" in lines[2] and "needs --postgres [1]" in lines[3]
    assert lines[4:] == [f"[1] {why}"]


def test_format_markdown_is_a_table_with_the_same_rows():
    lines = format_markdown(fixed_rows()).splitlines()
    assert lines[0] == "| figure | value | unit | peer | peer value | ratio | target | met |"
    assert all(line.startswith("| ") for line in lines[2:8])
    assert "*not available yet* [1]" in lines[6]
    assert lines[-1] == "1. risk scoring (detection, issue 6) has not landed yet"
