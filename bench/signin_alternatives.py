"""What a sign-in's writes and reads would cost written otherwise: the estimates behind issue 17's plan.

    .venv/bin/python -m bench.signin_alternatives [--database-url URL] [--runs 300]

On recovery's schema (a fresh SQLite file, or the PostgreSQL database given), for an account of its own with a
known device, each case in five alternating blocks (a busy machine weighs on each alike), median CPU and wall
ms per call:

- `orm_today`: the rows a sign-in writes after its verify, as today: the attempt, the device refresh, two
  security events and the session through the ORM (add, flush, commit);
- `core_each`: the same rows as Core statements built once, in one transaction;
- `cte_autocommit` (PostgreSQL): the same rows in one statement of data-modifying CTEs, in autocommit;
- `read_autocommit`, `read_core_transaction`, `read_orm_transaction`: one small read alone, in a Core
  transaction and in an ORM session's transaction (what BEGIN/COMMIT around the read before argon2 cost);

then marshmallow's sign-in schemas built per request against built once.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from bench.signin_profile import Harness
from recovery.accounts.models import User
from recovery.detection.models import KnownDevice, SigninAttempt
from recovery.events.models import SecurityEvent
from recovery.sessions.models import UserSession

_DEVICES, _ATTEMPTS = KnownDevice.__table__, SigninAttempt.__table__
_EVENTS, _SESSIONS = SecurityEvent.__table__, UserSession.__table__

_CTE = text("""
WITH a AS (INSERT INTO signin_attempts (user_id, account_key, stage, outcome, reason, kind, ip, network, country, asn,
             city, latitude, longitude, device_key, browser, os, score, action, reasons, notified, created_at)
           VALUES (:user_id, :account_key, 'password', 'success', NULL, 'api', :ip, :network, NULL, NULL, NULL, NULL,
             NULL, :device_key, :browser, :os, 0, 'allow', '[]', false, :now) RETURNING id),
     d AS (INSERT INTO known_devices (user_id, device_key, browser, os, last_ip, last_country, last_city,
             confirmed_at, first_seen_at, last_seen_at)
           VALUES (:user_id, :device_key, :browser, :os, :ip, NULL, NULL, NULL, :now, :now)
           ON CONFLICT (user_id, device_key) DO UPDATE SET browser = excluded.browser, os = excluded.os,
             last_ip = excluded.last_ip, last_country = excluded.last_country, last_city = excluded.last_city,
             last_seen_at = excluded.last_seen_at RETURNING id),
     e AS (INSERT INTO security_events (type, user_id, actor_type, actor_id, ip, user_agent, details, created_at)
           VALUES ('detection.signin.allow', :user_id, 'user', :user_id, :ip, NULL, CAST(:allow AS json), :now),
                  ('session.started', :user_id, 'user', :user_id, :ip, NULL, CAST(:started AS json), :now)
           RETURNING id),
     s AS (INSERT INTO user_sessions (id, token_digest, user_id, kind, created_at, last_seen_at, expires_at,
             authenticated_at, mfa_passed, ip) VALUES (:session_id, :digest, :user_id, 'api', :now, :now, :expires,
             :now, false, :ip) RETURNING id)
SELECT (SELECT id FROM a), (SELECT count(*) FROM d), (SELECT count(*) FROM e), (SELECT id FROM s)
""")


class Cases:
    def __init__(self, harness: Harness) -> None:
        self.engine = harness.rt.db.engine
        harness.request("api")()  # one sign-in: the account's device is known, as on a returning client
        with self.engine.connect() as connection:
            self.user_id = connection.execute(select(User.id).where(User.email == harness.plain)).scalar_one()
            self.device_key = connection.execute(select(_DEVICES.c.device_key).where(
                _DEVICES.c.user_id == self.user_id)).scalar_one()
        self.now = harness.clock.now()
        self._device = (update(_DEVICES).where(_DEVICES.c.user_id == self.user_id,
                                               _DEVICES.c.device_key == self.device_key)
                        .values(last_seen_at=self.now, last_ip="127.0.0.1"))

    def _attempt(self) -> dict:
        return {"user_id": self.user_id, "account_key": "k" * 32, "stage": "password", "outcome": "success",
                "reason": None, "kind": "api", "ip": "127.0.0.1", "network": "127.0.0.0/24", "country": None,
                "asn": None, "city": None, "latitude": None, "longitude": None, "device_key": self.device_key,
                "browser": None, "os": None, "score": 0, "action": "allow", "reasons": [], "notified": False,
                "created_at": self.now}

    def _event(self, kind: str) -> dict:
        return {"type": kind, "user_id": self.user_id, "actor_type": "user", "actor_id": self.user_id,
                "ip": "127.0.0.1", "user_agent": None, "created_at": self.now,
                "details": {"score": 0, "reasons": [], "evidence": {}, "country": None, "city": None, "device": None}}

    def _session(self) -> dict:
        return {"id": str(uuid.uuid4()), "token_digest": uuid.uuid4().hex * 2, "user_id": self.user_id,
                "kind": "api", "created_at": self.now, "last_seen_at": self.now, "authenticated_at": self.now,
                "expires_at": self.now + timedelta(hours=24), "mfa_passed": False, "ip": "127.0.0.1",
                "user_agent": None}

    def orm_today(self) -> None:
        with Session(self.engine) as session:
            session.add(SigninAttempt(**self._attempt()))
            session.execute(self._device)
            session.add_all([SecurityEvent(**self._event("detection.signin.allow")),
                             SecurityEvent(**self._event("session.started")), UserSession(**self._session())])
            session.flush()
            session.commit()

    def core_each(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(insert(_ATTEMPTS), self._attempt())
            connection.execute(self._device)
            connection.execute(insert(_EVENTS), [self._event("detection.signin.allow"),
                                                 self._event("session.started")])
            connection.execute(insert(_SESSIONS), self._session())

    def cte_autocommit(self) -> None:
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(_CTE, {
                "user_id": self.user_id, "account_key": "k" * 32, "ip": "127.0.0.1", "network": "127.0.0.0/24",
                "device_key": self.device_key, "browser": None, "os": None, "now": self.now,
                "allow": json.dumps(self._event("x")["details"]), "started": json.dumps({"kind": "api"}),
                "session_id": str(uuid.uuid4()), "digest": uuid.uuid4().hex * 2,
                "expires": self.now + timedelta(hours=24)})

    def read_autocommit(self) -> None:
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(select(User.id).where(User.id == self.user_id)).scalar_one()

    def read_core_transaction(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(select(User.id).where(User.id == self.user_id)).scalar_one()

    def read_orm_transaction(self) -> None:
        with Session(self.engine) as session:
            session.execute(select(User.id).where(User.id == self.user_id)).scalar_one()
            session.commit()

    def all(self) -> list[Callable[[], None]]:
        postgres = self.engine.dialect.name == "postgresql"
        return [self.orm_today, self.core_each, *([self.cte_autocommit] if postgres else []),
                self.read_autocommit, self.read_core_transaction, self.read_orm_transaction]


def measure(action: Callable[[], object], runs: int, warmup: int = 20) -> tuple[float, float]:
    """Median CPU and wall ms per call."""
    for _ in range(warmup):
        action()
    cpu, wall = [], []
    for _ in range(runs):
        started_cpu, started = time.process_time(), time.perf_counter()
        action()
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return statistics.median(cpu), statistics.median(wall)


def in_blocks(cases: list[Callable[[], None]], runs: int, blocks: int = 5) -> dict[str, tuple[float, float]]:
    got: dict[str, list[tuple[float, float]]] = {case.__name__: [] for case in cases}
    for _ in range(blocks):
        for case in cases:
            got[case.__name__].append(measure(case, max(1, runs // blocks)))
    return {name: (statistics.median(c for c, _ in parts), statistics.median(w for _, w in parts))
            for name, parts in got.items()}


def schema_costs(app) -> dict[str, float]:
    """Microseconds of CPU: the sign-in's schemas built per request against built once."""
    from recovery.sessions.schemas import SessionBody, SignInBody

    now = app.extensions["recovery"].clock.now()
    row = UserSession(id="s", token_digest="d" * 64, user_id=1, kind="api", created_at=now, last_seen_at=now,
                      authenticated_at=now, expires_at=now, mfa_passed=False, ip=None, user_agent=None)
    body = {"email": "known@example.com", "password": "bench passphrase that is long enough"}
    built, signin = SessionBody(current_id=None, idle_minutes=60), SignInBody()
    with app.test_request_context():
        return {label: measure(action, 2000)[0] * 1000 for label, action in (
            ("SessionBody() + dump", lambda: SessionBody(current_id=None, idle_minutes=60).dump(row)),
            ("dump with a schema built once", lambda: built.dump(row)),
            ("SignInBody() + load", lambda: SignInBody().load(body)),
            ("load with a schema built once", lambda: signin.load(body)))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.signin_alternatives", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        harness = Harness(args.database_url, Path(workdir), None, None)
        try:
            cases = Cases(harness)
            print(f"{cases.engine.dialect.name}: median of 5 alternating blocks, ms per call")
            for name, (cpu, wall) in in_blocks(cases.all(), args.runs).items():
                print(f"  {name:<24} cpu {cpu:7.3f}  wall {wall:7.3f}")
            for label, us in schema_costs(harness.app).items():
                print(f"  {label:<32} cpu {us:7.1f} us")
        finally:
            harness.rt.db.dispose()


if __name__ == "__main__":
    sys.exit(main())
