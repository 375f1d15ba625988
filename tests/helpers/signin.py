"""Signing in through the JSON API as a client would, from a chosen address (REMOTE_ADDR)."""

from __future__ import annotations

from helpers.people import ADA, PASSWORD


def api_signin(client, password: str = PASSWORD, ip: str = "198.51.100.7", email: str = ADA):
    """POST /api/v1/sessions; returns the response (201 with a session, or a challenge, or the refusal)."""
    return client.post("/api/v1/sessions", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})
