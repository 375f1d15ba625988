"""The sign-in ceiling endpoint verifies with recovery's own argon2 parameters, so its rate is comparable."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ is not an installed package

from argon2 import extract_parameters  # noqa: E402

from bench import wsgi_bare  # noqa: E402
from recovery.settings import Settings  # noqa: E402


def test_the_verify_only_endpoint_uses_recoverys_default_parameters():
    stored, defaults = extract_parameters(wsgi_bare._STORED), Settings()
    assert (stored.time_cost, stored.memory_cost, stored.parallelism) == (
        defaults.argon2_time_cost, defaults.argon2_memory_cost, defaults.argon2_parallelism)


def test_the_verify_only_endpoint_answers_201_for_the_password_and_401_otherwise():
    client = wsgi_bare.app.test_client()
    assert client.post("/bare/verify", json={"password": wsgi_bare.PASSWORD}).status_code == 201
    assert client.post("/bare/verify", json={"password": "not it"}).status_code == 401
    assert client.post("/bare/verify", data="not json").status_code == 401
