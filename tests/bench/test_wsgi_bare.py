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


def test_the_page_ceiling_reads_its_ticket_from_the_database_and_escapes_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'bare.db'}"
    wsgi_bare.seed(url)
    wsgi_bare.seed(url)  # a second seeding (a rerun) keeps the one row
    wsgi_bare.connect(url)
    try:
        engine = wsgi_bare._database["engine"]
        with engine.begin() as connection:
            connection.execute(wsgi_bare.TICKETS.update().values(subject="<b>read from the table</b>"))
        response = wsgi_bare.app.test_client().get("/bare/page")
        assert response.status_code == 200
        assert "<h1>&lt;b&gt;read from the table&lt;/b&gt;</h1>" in response.get_data(as_text=True)
        with engine.connect() as connection:
            assert connection.execute(wsgi_bare.TICKETS.select()).all() == [(1, "open", "<b>read from the table</b>")]
    finally:
        wsgi_bare._database.pop("engine").dispose()


def test_the_page_ceiling_is_absent_without_a_database():
    assert wsgi_bare.app.test_client().get("/bare/page").status_code == 404
