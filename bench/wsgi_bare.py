"""The floor for cheap pages: a bare Flask endpoint served by the same gunicorn as recovery (figure 7)."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)

PAGE = "<!doctype html><html lang=en><title>status</title><main><h1>Request status</h1><p>open</p></main></html>"


@app.get("/bare")
def bare():
    return PAGE
