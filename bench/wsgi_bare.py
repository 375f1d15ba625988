"""Bare Flask endpoints served by the same gunicorn as recovery: the floor for cheap pages (figure 7), and the
ceiling for any sign-in (figure 2): an endpoint that reads a JSON password and verifies it, nothing more."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import VerificationError
from flask import Flask, request

from bench.argon2_floor import Argon2Params
from bench.recovery_server import PASSWORD  # the seeded accounts' password, so the request bodies are alike

app = Flask(__name__)

PAGE = "<!doctype html><html lang=en><title>status</title><main><h1>Request status</h1><p>open</p></main></html>"

_PARAMS = Argon2Params.recovery_defaults()
_HASHER = PasswordHasher(time_cost=_PARAMS.time_cost, memory_cost=_PARAMS.memory_cost,
                         parallelism=_PARAMS.parallelism, hash_len=32, salt_len=16, type=Type.ID)
_STORED = _HASHER.hash(PASSWORD)


@app.get("/bare")
def bare():
    return PAGE


@app.post("/bare/verify")
def verify_only():
    """A sign-in with nothing but its verify: no database, no session, no log. What a sign-in through this
    gunicorn and Flask could reach at best, measured in the same run as the argon2 floor."""
    try:
        _HASHER.verify(_STORED, str((request.get_json(silent=True) or {}).get("password", "")))
    except VerificationError:
        return {"verified": False}, 401
    return {"verified": True}, 201
