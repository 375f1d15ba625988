"""Drill fixtures: a private PostgreSQL for the session, and the app served by gunicorn against it."""

from __future__ import annotations

import uuid

import pytest
from helpers.processes import PrivatePostgres, ServedApp

from recovery.migrate import upgrade


@pytest.fixture(scope="session")
def private_postgres():
    server = PrivatePostgres()
    try:
        yield server.start()
    finally:
        server.remove()


@pytest.fixture(scope="module")
def drill_database(private_postgres) -> str:
    url = private_postgres.create_database(f"drill_{uuid.uuid4().hex[:8]}")
    upgrade(url)
    return url


def served_env(tmp_path, database_url: str, ratelimit_storage_uri: str = "memory://") -> dict[str, str]:
    return {
        "RECOVERY_ENV": "testing",
        "RECOVERY_INSTANCE_DIR": str(tmp_path / "instance"),
        "RECOVERY_MAILBOX_DIR": str(tmp_path / "mailbox"),
        "RECOVERY_DATABASE_URL": database_url,
        "RECOVERY_RATELIMIT_STORAGE_URI": ratelimit_storage_uri,
        "RECOVERY_RATELIMIT_KEY_PREFIX": f"drill-{uuid.uuid4().hex[:8]}",
        "RECOVERY_SECRET_KEY": "drill-secret-key-that-is-long-enough-0123456789",
        "RECOVERY_ARGON2_TIME_COST": "1",
        "RECOVERY_ARGON2_MEMORY_COST": "256",
        # The drills make more requests from one address than the default budgets allow.
        "RECOVERY_SIGNIN_LIMITS": "10000 per minute",
        "RECOVERY_SIGNUP_LIMITS": "10000 per minute",
        "RECOVERY_MFA_IP_LIMITS": "10000 per minute",
    }


def serve(tmp_path, env: dict[str, str]) -> ServedApp:
    return ServedApp(tmp_path / "served", env).start()
