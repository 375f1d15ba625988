"""The sign-in profile (bench/signin_profile.py) and its alternatives (bench/signin_alternatives.py) measure what
they say: the statements of one sign-in and of one TOTP step, the verify's CPU apart, the libraries' time as a
partition, and alternatives that write the same rows."""

from __future__ import annotations

import cProfile
import pstats
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ is not an installed package

from bench import signin_profile  # noqa: E402
from bench.signin_alternatives import Cases  # noqa: E402
from recovery.sessions.models import UserSession  # noqa: E402


@pytest.fixture
def harness(tmp_path):
    made = signin_profile.Harness(None, tmp_path, signin_profile.BROWSER, None)
    yield made
    made.rt.db.dispose()


def _writes(statements: list[tuple[str, float]]) -> list[str]:
    """Each write as its verb and table: "INSERT INTO signin_attempts", "UPDATE known_devices"."""
    return [" ".join(what.split()[:3 if what.startswith("INSERT") else 2]) for what, _ms in statements
            if what.startswith(("INSERT", "UPDATE", "DELETE"))]


def test_one_api_sign_in_reads_twice_apart_then_writes_its_rows_in_one_transaction(harness):
    """SQLite: the account before the verify and its history after it, each read alone (db.read_alone: a
    connection of its own in a deferred BEGIN, handed back with a ROLLBACK) outside a write transaction, then
    the rows written together in one BEGIN IMMEDIATE (on PostgreSQL one statement in autocommit on the
    engine's autocommit twin: tests/web/test_db.py)."""
    harness.request("api")()  # the device is known from here on, as on a returning client
    statements = [what for what, _ in signin_profile.statements_of_one(harness, "api")]
    assert statements.count("BEGIN IMMEDIATE") == 1
    assert statements.count("COMMIT") == 1 and statements.count("ROLLBACK") == 2
    assert statements.index("BEGIN IMMEDIATE") > max(i for i, what in enumerate(statements) if what.startswith(
        ("SELECT", "WITH")))
    assert _writes(signin_profile.statements_of_one(harness, "api")) == [
        "INSERT INTO signin_attempts", "INSERT INTO security_events", "UPDATE known_devices",
        "INSERT INTO user_sessions", "INSERT INTO security_events"]


def test_the_page_and_the_totp_step_answer_as_expected_and_the_step_spends_its_time_step(harness):
    harness.request("page")()  # 302, or it raises
    writes = _writes(signin_profile.statements_of_one(harness, "mfa"))
    assert "UPDATE mfa_totp" in writes and "DELETE FROM" in writes
    assert "INSERT INTO user_sessions" in writes


def test_the_verify_is_timed_apart_and_a_wrong_answer_fails_the_run(harness):
    got = signin_profile.timings(harness, "api", 2)
    assert got["argon2 cpu ms"] > 0 and got["cpu ms"] >= got["argon2 cpu ms"]
    with pytest.raises(RuntimeError, match="expected 201, got 401"):
        harness.plain = "nobody@example.com"
        harness.request("api")()


def test_the_libraries_partition_the_profiled_time(harness):
    profiler = cProfile.Profile()
    signin_profile.timings(harness, "api", 2, profiler)
    stats = pstats.Stats(profiler)
    libraries = dict(signin_profile.by_library(stats, 1))
    # A C function's time goes to its callers edge by edge, and the edges can miss a few microseconds.
    assert sum(libraries.values()) == pytest.approx(1000 * stats.total_tt, rel=1e-4)
    assert libraries["argon2"] > libraries.get("recovery.detection", 0) > 0


def test_the_alternatives_write_a_session_each(harness):
    cases = Cases(harness)

    def sessions() -> int:
        with harness.rt.db.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(UserSession)).scalar_one()

    before = sessions()
    cases.orm_today()
    cases.core_each()
    assert sessions() == before + 2
