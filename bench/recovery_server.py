"""recovery under test: its settings, a fresh migrated database with seeded accounts, and its gunicorn.

The runner seeds through recovery's own models and services (in its interpreter, before any load), then
serves `bench.wsgi_recovery:app` with the same settings through gunicorn in a process group of its own.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field

from flask import Response

from bench.context import Run
from bench.procs import Proc, free_port, gunicorn_argv, wait_http

PASSWORD = "bench passphrase that is long enough"  # noqa: S105 - the seeded benchmark accounts
UNUSABLE = "!"  # no password verifies against it: accounts that only own tickets
QUEUE_TICKETS = 60  # more than one console page (50 rows), so the queue page renders a full page


@dataclass
class Seeded:
    known: str
    locked: str
    unknown: str
    signin_users: list[str]
    agent_token: str = ""
    agent_cookie: str = ""  # "name=value" of the agent's browser session
    status_token: str | None = None  # None until tickets have landed


@dataclass
class Recovery:
    run: Run
    name: str = "recovery"
    limits: str = "off"  # BENCH_LIMITS of bench/wsgi_recovery.py
    smtp_port: int | None = None
    seed_data: bool = True  # False: an empty database (the outbox figure counts only its own messages)
    # 1: believe one X-Forwarded-For hop, so a load can speak for many clients (sources are throttled per IP)
    trusted_proxies: int = 1
    settings: dict = field(default_factory=dict)
    proc: Proc | None = None
    seeded: Seeded | None = None
    _app: object = None

    def prepare(self) -> Seeded | None:
        instance = self.run.workdir / f"{self.name}-instance"
        instance.mkdir(exist_ok=True)
        self.settings = {
            "env": "development",
            "instance_dir": str(instance),
            "database_url": self.run.new_database(self.name),
            "secret_key": secrets.token_urlsafe(48),
            "encryption_keys": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "base_url": "http://127.0.0.1:5000",
            # The outbox figure's webhook receiver listens on this machine; production refuses this setting.
            "webhook_allowed_hosts": "127.0.0.1",
            "ratelimit_storage_uri": self.run.limits_storage,
            "ratelimit_key_prefix": f"bench-{self.run.run_id}-{self.name}",
            "smtp_host": "127.0.0.1" if self.smtp_port else "",
            "smtp_port": str(self.smtp_port or 587),
            "smtp_starttls": "false",
            "trusted_proxies": str(self.trusted_proxies),
        }
        from recovery.migrate import upgrade

        upgrade(self.settings["database_url"])
        self.seeded = seed(self.app()) if self.seed_data else None
        return self.seeded

    def env(self) -> dict[str, str]:
        env = {f"RECOVERY_{key.upper()}": value for key, value in self.settings.items()}
        env["BENCH_LIMITS"] = self.limits
        return env

    def app(self):
        """recovery's app in the runner's interpreter, with the server's settings (seeding and counting)."""
        if self._app is None:
            from bench.wsgi_recovery import bench_config
            from recovery.app import create_app
            from recovery.settings import settings_from_env

            self._app = create_app({**settings_from_env(self.env()), **bench_config(self.limits)})
        return self._app

    def start(self) -> Proc:
        port = free_port()
        argv = gunicorn_argv("bench.wsgi_recovery:app", port, self.run.workers, self.run.threads)
        self.proc = self.run.procs.start(self.name, argv, env=self.env(), port=port)
        wait_http(self.proc, "/healthz")
        return self.proc

    def close(self) -> None:
        if self.proc is not None:
            self.run.procs.stop(self.proc)
            self.proc = None
        if self._app is not None:
            from recovery.web.context import runtime

            runtime(self._app).db.dispose()


def client_ip(n: int) -> str:
    """The n-th simulated client: documentation addresses spread over /24 networks (header values only)."""
    return f"198.51.{(n // 200) % 256}.{n % 200 + 1}"


def _user(rt, session, email: str, password_hash: str, *, role: str = "user", status: str = "active"):
    from recovery.accounts.models import User

    now = rt.clock.now()
    user = User(email=email, password_hash=password_hash, password_changed_at=now, role=role, status=status,
                status_reason=None if status == "active" else "bench", locale="en", created_at=now,
                email_verified_at=now)
    session.add(user)
    session.flush()
    return user


def seed(app) -> Seeded:
    from recovery.sessions.service import start_session
    from recovery.web.context import app_service_context, runtime

    rt = runtime(app)
    hashed = rt.passwords.hash(PASSWORD)
    seeded = Seeded(known="known@example.com", locked="locked@example.com", unknown="unknown@example.com",
                    signin_users=[f"user{n}@example.com" for n in range(20)])
    with app.app_context(), rt.db.transaction() as session:
        _user(rt, session, seeded.known, hashed)
        _user(rt, session, seeded.locked, hashed, status="locked")
        for email in seeded.signin_users:
            _user(rt, session, email, hashed)
        agent = _user(rt, session, "agent@example.com", UNUSABLE, role="agent")
        ctx = app_service_context(app, session)
        seeded.agent_token = start_session(ctx, agent.id, kind="api")[1]
        seeded.agent_cookie = _browser_cookie(app, start_session(ctx, agent.id, kind="browser")[1])
        seeded.status_token = _tickets(app, rt, session)
    return seeded


def _browser_cookie(app, token: str) -> str:
    """The cookie a browser holds after signing in, made by recovery's own set_session_cookie."""
    from recovery.web.auth import set_session_cookie

    with app.test_request_context():
        response = Response()
        set_session_cookie(response, token)
        return response.headers["Set-Cookie"].split(";", 1)[0]


def _tickets(app, rt, session) -> str | None:
    """A full console page of open appeals; the status-page token of the first. None before tickets land."""
    try:
        from recovery.tickets.access import status_token
        from recovery.tickets.service import open_ticket
    except ImportError:
        return None
    from recovery.web.context import app_service_context

    first = None
    for n in range(QUEUE_TICKETS):
        owner = _user(rt, session, f"appellant{n}@example.com", UNUSABLE, status="suspended")
        ctx = app_service_context(app, session)
        ticket = open_ticket(ctx, category="unblock_appeal", user_id=owner.id, subject=f"Please unblock me {n}",
                             message="I think my account was suspended by mistake; I did nothing wrong.",
                             source="appeal")
        first = first or status_token(ctx, ticket)
    return first


def mfa_accounts(recovery: Recovery, accounts: int) -> list[tuple[int, str]]:
    """`accounts` new accounts with an active authenticator: (user id, TOTP secret) of each."""
    import pyotp

    from recovery import crypto
    from recovery.mfa.models import ACTIVE, TotpAuthenticator
    from recovery.web.context import runtime

    app = recovery.app()
    rt = runtime(app)
    hashed = rt.passwords.hash(PASSWORD)
    made = []
    with app.app_context(), rt.db.transaction() as session:
        for _ in range(accounts):
            user = _user(rt, session, f"mfa{secrets.token_hex(6)}-{recovery.run.run_id}@example.com", hashed)
            secret = pyotp.random_base32()
            user.second_factor_at = rt.clock.now()  # what accounts.set_second_factor writes on a confirmation
            session.add(TotpAuthenticator(user_id=user.id, state=ACTIVE, last_used_step=0,
                                          secret_ciphertext=crypto.seal(rt.settings, secret, rt.clock.now()),
                                          created_at=rt.clock.now(), confirmed_at=rt.clock.now()))
            made.append((user.id, secret))
    return made


def mfa_step_bodies(recovery: Recovery, accounts: int | list[tuple[int, str]], seconds: float, *,
                    after: float = 0.0, margin: float = 90.0) -> dict[int, list[str]]:
    """Bodies of `POST /api/v1/sessions/mfa` for a load of `seconds` starting in `after` seconds: for each
    30-second step of the load one pending sign-in challenge per account with that step's TOTP code (a code
    works once per account and step, a challenge once). `accounts` are made here when given as a number, or
    are those of mfa_accounts (a soak reuses them minute after minute). Made by recovery's own services, as if
    each account had just given its password; a challenge lives mfa_challenge_minutes (5) from now. The steps
    run `margin` seconds past the load's planned end (seeding, and starting the load, take seconds)."""
    import time

    import pyotp

    from recovery.accounts.models import User
    from recovery.mfa.service import start_challenge
    from recovery.web.context import app_service_context, runtime

    if isinstance(accounts, int):
        accounts = mfa_accounts(recovery, accounts)
    app = recovery.app()
    rt = runtime(app)
    first = int(time.time() + after) // 30
    steps = range(first, int(time.time() + after + seconds + margin) // 30 + 1)
    bodies: dict[int, list[str]] = {step: [] for step in steps}
    with app.app_context(), rt.db.transaction() as session:
        ctx = app_service_context(app, session)
        for user_id, secret in accounts:
            user = session.get(User, user_id)
            for step in steps:
                token = start_challenge(ctx, user, kind="api").token
                bodies[step].append(json.dumps({"mfa_token": token, "code": pyotp.TOTP(secret).at(step * 30)}))
    return bodies


def subscribe_webhooks(recovery: Recovery, url: str) -> None:
    """A security-team subscription to every alert (min severity low) at `url`, made by recovery's own service
    as a security engineer would: each alert the load raises (an account locked by wrong passwords, a source
    throttled for credential stuffing) becomes a signed POST through the outbox."""
    from recovery.alerts.webhooks import create_subscription
    from recovery.web.context import app_service_context, runtime

    app = recovery.app()
    rt = runtime(app)
    with app.app_context(), rt.db.transaction() as session:
        staff = _user(rt, session, f"security-{recovery.run.run_id}@example.com", UNUSABLE, role="security")
        create_subscription(app_service_context(app, session), staff, url=url, min_severity="low",
                            description="bench soak receiver")
