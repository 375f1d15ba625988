"""The TOTP step's lower bound (bench/totp_least.py) does what it claims on recovery's schema: it spends the time
step once, consumes the challenge, starts a session and logs the event; a replayed code is refused."""

from __future__ import annotations

import sys
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ is not an installed package

from bench import mfa_step  # noqa: E402
from bench.totp_least import LeastSteps, _challenges  # noqa: E402
from recovery.events.models import SecurityEvent  # noqa: E402
from recovery.sessions.models import UserSession  # noqa: E402
from recovery.web.context import runtime  # noqa: E402


@pytest.fixture
def least(tmp_path):
    app, clock, *_ = mfa_step.build(None, tmp_path)
    steps = LeastSteps(app, clock)
    yield steps
    runtime(app).db.dispose()


def _count(least, table, **where) -> int:
    with least.rt.db.engine.connect() as connection:
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        return connection.execute(query).scalar_one()


def test_each_sample_is_one_passed_step_with_a_session_and_an_event(least):
    timings = least.samples(3)
    assert len(timings) == 3 and all(ms > 0 for ms in timings)
    assert _count(least, UserSession.__table__, user_id=least.user_id, mfa_passed=True) == 3
    assert _count(least, SecurityEvent.__table__, user_id=least.user_id, type="mfa.challenge.passed") == 3
    assert _count(least, _challenges, user_id=least.user_id) == 0


def test_a_code_is_refused_for_a_time_step_already_spent(least, monkeypatch):
    least.samples(1)
    advance = least.clock.advance
    monkeypatch.setattr(least.clock, "advance", lambda **_: None)  # the next challenge in the same time step
    with pytest.raises(RuntimeError, match="answered 400"):
        least.samples(1)
    monkeypatch.setattr(least.clock, "advance", advance)
    assert least.samples(1)  # and the next step passes again
    assert _count(least, UserSession.__table__, user_id=least.user_id) == 2


def test_a_wrong_code_or_an_unknown_challenge_is_refused_and_leaves_the_challenge(least):
    token = least.new_challenge()
    totp, now = pyotp.TOTP(least.secret), least.clock.now()
    near = {totp.at(now, counter_offset=offset) for offset in (-1, 0, 1)}  # the codes the drift window accepts
    wrong = next(code for code in ("000000", "111111", "222222", "333333") if code not in near)
    assert least.client.post("/least/mfa", json={"mfa_token": token, "code": wrong}).status_code == 400
    assert least.client.post("/least/mfa", json={"mfa_token": "unknown", "code": wrong}).status_code == 400
    assert _count(least, _challenges, user_id=least.user_id) == 1
    assert _count(least, UserSession.__table__, user_id=least.user_id) == 0
