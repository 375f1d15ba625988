"""Drill fixtures: a private PostgreSQL for the session, and the app served by gunicorn against it."""

from __future__ import annotations

import uuid

import pytest
from helpers.processes import PrivatePostgres

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
