"""Figure 10, the worst-case password-policy cost: its payloads, and the row it builds from a measurement."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ is not an installed package

from bench import password_cost  # noqa: E402


def test_the_payloads_cover_the_l33t_table_at_every_length_around_the_boundaries():
    passwords = [password for password, _email in password_cost.payloads()]
    l33t_lengths = {len(p) for p in passwords if set(p) <= set(password_cost.L33T_TABLE_PAYLOAD)}
    assert set(range(1, 81)) | {72, 73, 100, 256} <= l33t_lengths
    assert max(map(len, passwords)) == password_cost.MAX_LENGTH
    assert any(any(ord(c) > 0xFFFF for c in p) for p in passwords)  # beyond the Basic Multilingual Plane


def test_the_row_is_the_worst_payload_against_fifty_ms():
    measured = {"ms": 7.8, "length": 64, "payload": "!$%(", "l33t_ms": 7.8, "payloads": 900}
    [row] = password_cost.rows(measured)
    assert row.figure.startswith("10 worst-case password-policy cost") and row.figure.endswith("n=900")
    assert (row.value, row.unit, row.peer_value, row.met) == (7.8, "ms", 7.8, True)
    [slow] = password_cost.rows({**measured, "ms": 2900.0})
    assert slow.met is False and slow.target.describe() == "≤ 50 ms"


def test_a_failed_measurement_says_why():
    [row] = password_cost.rows(None, {"password_cost": "ValueError: Password exceeds max length"})
    assert row.value is None and row.note == "password cost failed: ValueError: Password exceeds max length"


def test_one_payload_is_timed_on_the_real_policy():
    assert 0 <= password_cost.cost_ms(password_cost.L33T_TABLE_PAYLOAD * 4, password_cost.EMAIL) < 1000
