"""Concurrency tests' tools: several apps with engines of their own on one real database, requests sent by real
threads at the same moment, and a thread-safe count of the calls to one function."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from recovery.app import create_app
from recovery.web.context import runtime


def read(app, query):
    """One value read from `app`'s database in a transaction of its own (what the threads committed)."""
    with app.app_context(), runtime(app).db.transaction() as session:
        return session.scalar(query)


@contextmanager
def separate_apps(database_url: str, app_config: dict, clock, count: int, **settings) -> Iterator[list]:
    """`count` apps on `database_url`, each with its own engine, as separate processes would be."""
    config = {**app_config, "database_url": database_url, "ratelimits_enabled": False, **settings}
    apps = [create_app(config, clock=clock) for _ in range(count)]
    try:
        yield apps
    finally:
        for app in apps:
            runtime(app).db.dispose()


def post_at_once(apps: list, threads: int, path: str, body: dict) -> Counter:
    """`threads` POSTs of `body` to `path` released together (thread i through apps[i % len(apps)]): their statuses."""
    start = threading.Barrier(threads)
    statuses: Counter = Counter()
    lock = threading.Lock()

    def submit(app) -> None:
        client = app.test_client()
        start.wait()
        status = client.post(path, json=body).status_code
        with lock:
            statuses[status] += 1

    workers = [threading.Thread(target=submit, args=(apps[n % len(apps)],)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return statuses


def count_calls(monkeypatch, module, name: str) -> Counter:
    """Replace module.name by a wrapper that counts its calls (thread-safe) in the returned Counter's [name]."""
    seen: Counter = Counter()
    lock = threading.Lock()
    real = getattr(module, name)

    def counting(*args, **kwargs):
        with lock:
            seen[name] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return seen
