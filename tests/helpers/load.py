"""A client for fault drills: requests with a timeout from a thread pool, each answer timed and kept."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

CLIENT_TIMEOUT = 15.0  # a drill's bound is far below it: an answer this late is a hang


@dataclass(frozen=True)
class Answer:
    label: str
    status: int | None  # None: no answer within CLIENT_TIMEOUT, or the connection failed
    seconds: float
    retry_after: str | None
    started: float  # time.monotonic() when sent
    error: str = ""

    def __str__(self) -> str:
        return f"{self.label}: {self.status or self.error} in {self.seconds:.2f} s"


def send(label: str, method: str, url: str, **kwargs) -> Answer:
    started = time.monotonic()
    try:
        response = requests.request(method, url, timeout=CLIENT_TIMEOUT, allow_redirects=False, **kwargs)
    except requests.RequestException as error:
        return Answer(label, None, time.monotonic() - started, None, started, type(error).__name__)
    return Answer(label, response.status_code, time.monotonic() - started, response.headers.get("Retry-After"),
                  started)


def all_at_once(calls: list[Callable[[], Answer]]) -> list[Answer]:
    """Send every call at the same time, one thread each, and wait for all answers."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


class Load:
    """`workers` threads sending `calls` round-robin until stopped; every answer is kept in order of sending."""

    def __init__(self, calls: list[Callable[[], Answer]], workers: int = 6) -> None:
        self.calls = calls
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(workers)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(CLIENT_TIMEOUT + 5)

    def _run(self, offset: int) -> None:
        turn = offset
        while not self._stop.is_set():
            answer = self.calls[turn % len(self.calls)]()
            turn += 1
            with self._lock:
                self.answers.append(answer)
            time.sleep(0.02)

    def between(self, start: float, end: float) -> list[Answer]:
        """Answers to requests sent in [start, end) (monotonic time)."""
        with self._lock:
            return [a for a in self.answers if start <= a.started < end]
