"""Figure 3's TOTP step, its lower bound: the least a second step that refuses a replayed code can do.

Its own row has no target; recovery's TOTP step is held to within 1.5x of it (issue 17; it replaced a 4x
Flask-Security-Too target that this step itself did not reach on PostgreSQL). On recovery's
own schema, database, engine, keys and frozen clock, through a bare Flask endpoint and SQLAlchemy Core, in one
transaction:
- read the challenge with its user and active authenticator;
- decrypt the secret and check the code (recovery's `matching_step`: six ASCII digits, one step of drift);
- spend the time step by one conditional update (a step is accepted once per account: SECURITY.md);
- consume the challenge;
- start a session;
- write one security event.

It leaves out what recovery's step also does: the per-account failure budget, scoring the sign-in, remembering
the device, the sign-in record, the wrong-code path and recovery's service layer and middleware.
"""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import timedelta

import pyotp
from flask import Flask, request
from sqlalchemy import and_, bindparam, delete, insert, select, update

from bench.mfa_step import enrolled_account
from recovery import crypto
from recovery.accounts.models import User
from recovery.events.models import SecurityEvent
from recovery.mfa.models import ACTIVE, MfaChallenge, TotpAuthenticator
from recovery.mfa.totp import matching_step
from recovery.sessions.models import UserSession
from recovery.web.context import app_service_context, runtime

EMAIL = "least-step@example.com"
PURPOSE = "bench-least-step"  # its own token purpose: these challenges never reach recovery's endpoints
SESSION_HOURS = 24

_challenges, _totp, _users = MfaChallenge.__table__, TotpAuthenticator.__table__, User.__table__
_READ = (select(_challenges.c.id, _challenges.c.user_id, _challenges.c.created_at, _challenges.c.expires_at,
                _users.c.password_changed_at, _totp.c.id.label("authenticator_id"), _totp.c.secret_ciphertext,
                _totp.c.last_used_step)
         .join(_users, _users.c.id == _challenges.c.user_id)
         .join(_totp, and_(_totp.c.user_id == _challenges.c.user_id, _totp.c.state == ACTIVE))
         .where(_challenges.c.token_digest == bindparam("digest"), _challenges.c.kind == "api"))
_SPEND = (update(_totp).where(_totp.c.id == bindparam("authenticator_id"), _totp.c.last_used_step < bindparam("step"))
          .values(last_used_step=bindparam("step")))
_CONSUME = delete(_challenges).where(_challenges.c.id == bindparam("challenge_id"))


class LeastSteps:
    """`samples(n)`: n timed second steps of an account of its own on recovery's app (its database, keys and
    clock), each after an untimed challenge insert, the clock one time step on."""

    def __init__(self, app, clock) -> None:
        self.app, self.clock = app, clock
        self.rt = runtime(app)
        self.user_id, self.secret = self._enrolled_account()
        self.client = _least_step_app(self.rt).test_client()

    def _enrolled_account(self) -> tuple[int, str]:
        with self.app.app_context(), self.rt.db.transaction() as session:
            # A reused PostgreSQL database keeps earlier runs' accounts.
            return enrolled_account(app_service_context(self.app, session), f"{secrets.token_hex(4)}-{EMAIL}")

    def samples(self, n: int) -> list[float]:
        return [self._one() for _ in range(n)]

    def _one(self) -> float:
        self.clock.advance(seconds=30)
        token = self.new_challenge()
        body = {"mfa_token": token, "code": pyotp.TOTP(self.secret).at(self.clock.now())}
        started = time.perf_counter_ns()
        response = self.client.post("/least/mfa", json=body)
        elapsed = (time.perf_counter_ns() - started) / 1e6
        if response.status_code != 201:
            raise RuntimeError(f"the least TOTP step answered {response.status_code}: {response.get_data()!r}")
        return elapsed

    def new_challenge(self) -> str:
        """A pending challenge of the account (what a correct password leaves behind); its token."""
        now, token = self.clock.now(), secrets.token_urlsafe(32)
        with self.rt.db.engine.begin() as connection:
            connection.execute(insert(_challenges).values(
                token_digest=self.rt.tokens.digest(token, PURPOSE), user_id=self.user_id, kind="api", failures=0,
                created_at=now, expires_at=now + timedelta(minutes=5)))
        return token


def _least_step_app(rt) -> Flask:
    app = Flask("totp-least")

    @app.post("/least/mfa")
    def second_step():
        body = request.get_json(silent=True) or {}
        token, code = str(body.get("mfa_token", "")), str(body.get("code", ""))
        now = rt.clock.now()
        with rt.db.engine.begin() as connection:
            row = connection.execute(_READ, {"digest": rt.tokens.digest(token, PURPOSE)}).first()
            if row is None or row.expires_at <= now or row.password_changed_at > row.created_at:
                return {"error": "challenge"}, 400
            step = matching_step(crypto.unseal(rt.settings, row.secret_ciphertext), code, now,
                                 after=row.last_used_step)
            if step is None or connection.execute(
                    _SPEND, {"authenticator_id": row.authenticator_id, "step": step}).rowcount != 1:
                return {"error": "code"}, 400
            if connection.execute(_CONSUME, {"challenge_id": row.id}).rowcount != 1:
                return {"error": "challenge"}, 400
            session_token = secrets.token_urlsafe(32)
            expires_at = now + timedelta(hours=SESSION_HOURS)
            connection.execute(insert(UserSession.__table__).values(
                id=str(uuid.uuid4()), token_digest=rt.tokens.digest(session_token, PURPOSE), user_id=row.user_id,
                kind="api", created_at=now, last_seen_at=now, expires_at=expires_at, authenticated_at=now,
                mfa_passed=True, ip=request.remote_addr, user_agent=request.user_agent.string[:512]))
            connection.execute(insert(SecurityEvent.__table__).values(
                type="mfa.challenge.passed", user_id=row.user_id, actor_type="user", actor_id=row.user_id,
                ip=request.remote_addr, user_agent=request.user_agent.string[:512], details={"method": "totp"},
                created_at=now))
        return {"token": session_token, "expires_at": expires_at.isoformat()}, 201

    return app
