"""The in-process A/B of figure 3's TOTP ratio (bench/totp_ab.py) times both steps and counts one step's calls."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ is not an installed package

from bench import totp_ab  # noqa: E402


def test_both_steps_are_timed_and_the_ratio_is_the_benchs(tmp_path, monkeypatch):
    monkeypatch.setattr(totp_ab, "WARMUP", 1)
    monkeypatch.setattr(totp_ab, "PROFILED", 2)
    got = totp_ab.measure(None, tmp_path, blocks=1, per_block=2)
    assert got["recovery wall ms"] > 0 and got["least wall ms"] > 0 and got["recovery cpu ms"] > 0
    assert got["ratio"] == got["recovery wall ms"] / got["least wall ms"]
    assert got["python calls per step"] > 1000
