"""Bare Flask endpoints served by the same gunicorn as recovery: the floor for cheap pages (figure 7), the
ceiling for any database-backed page (one read, one template) and the ceiling for any sign-in (figure 2): an
endpoint that reads a JSON password and verifies it, nothing more."""

from __future__ import annotations

import os

from argon2 import PasswordHasher, Type
from argon2.exceptions import VerificationError
from flask import Flask, abort, request
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy.engine import Engine

from bench.argon2_floor import Argon2Params
from bench.recovery_server import PASSWORD  # the seeded accounts' password, so the request bodies are alike
from recovery.db import make_engine

app = Flask(__name__)

PAGE = "<!doctype html><html lang=en><title>status</title><main><h1>Request status</h1><p>open</p></main></html>"

_PARAMS = Argon2Params.recovery_defaults()
_HASHER = PasswordHasher(time_cost=_PARAMS.time_cost, memory_cost=_PARAMS.memory_cost,
                         parallelism=_PARAMS.parallelism, hash_len=32, salt_len=16, type=Type.ID)
_STORED = _HASHER.hash(PASSWORD)

DATABASE_URL_ENV = "BENCH_BARE_DATABASE_URL"  # set by bench.peer_servers.start_bare: the page ceiling's database
TICKETS = Table("bare_tickets", MetaData(), Column("id", Integer, primary_key=True),
                Column("status", String(16), nullable=False), Column("subject", String(200), nullable=False))
TICKET_ID = 1
_ONE_TICKET = select(TICKETS.c.status, TICKETS.c.subject).where(TICKETS.c.id == TICKET_ID)
# Compiled once, as a file template is by Flask's loader; autoescaped like recovery's pages.
_TICKET_PAGE = app.jinja_env.from_string(
    "<!doctype html><html lang=en><title>{{ subject }}</title><main><h1>{{ subject }}</h1><p>{{ status }}</p>"
    "</main></html>")
_database: dict[str, Engine] = {}


def seed(database_url: str) -> None:
    """The one ticket the page reads; run once by the bench before gunicorn starts (not by each worker)."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            TICKETS.create(connection, checkfirst=True)
            if connection.execute(_ONE_TICKET).first() is None:
                connection.execute(insert(TICKETS).values(id=TICKET_ID, status="open", subject="Request status"))
    finally:
        engine.dispose()


def connect(database_url: str) -> None:
    """Each worker's own engine, made as recovery makes its own (pool; on SQLite WAL and BEGIN IMMEDIATE, which
    every transaction of recovery's takes, reads included), so the ceiling differs from recovery's pages only
    by what recovery does. gunicorn imports the app after the fork, so no connection is shared."""
    _database["engine"] = make_engine(database_url)


if os.environ.get(DATABASE_URL_ENV):
    connect(os.environ[DATABASE_URL_ENV])


@app.get("/bare")
def bare():
    return PAGE


@app.get("/bare/page")
def page_with_one_read():
    """The least a database-backed page does: one read through recovery's kind of engine and one template. No
    session, token check, translation or security headers: what any such page under this gunicorn could reach
    at best."""
    engine = _database.get("engine")
    if engine is None:
        abort(404)
    with engine.connect() as connection:
        ticket = connection.execute(_ONE_TICKET).one()
    return _TICKET_PAGE.render(subject=ticket.subject, status=ticket.status)


@app.post("/bare/verify")
def verify_only():
    """A sign-in with nothing but its verify: no database, no session, no log. What a sign-in through this
    gunicorn and Flask could reach at best, measured in the same run as the argon2 floor."""
    try:
        _HASHER.verify(_STORED, str((request.get_json(silent=True) or {}).get("password", "")))
    except VerificationError:
        return {"verified": False}, 401
    return {"verified": True}, 201
