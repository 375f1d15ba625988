"""Bounds a network exchange as a whole (connecting to the last byte), by shutting its socket down when time is up."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Deadline:
    """One exchange's bound (a monotonic time), and whether it passed; `current()` is its socket, or None."""

    ends: float
    current: Callable[[], socket.socket | None]
    expired: bool = False


class Watchdog:
    """Bounds a whole network exchange, not each read: a peer that trickles a byte every few seconds, or hangs
    between steps, has its socket shut down when the time is up, which fails the blocked call at once.

    One thread per transport (a lane sends one message at a time), started on demand and gone after a second
    idle, so a send costs two uncontended locks rather than a thread. Once a bound has passed, the thread keeps
    shutting down whatever socket `current()` returns until the exchange ends (a socket still being connected,
    or one opened again after a drop), so nothing outlives the bound by more than a tick.
    """

    TICK, IDLE_EXIT = 0.05, 1.0

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._bound: Deadline | None = None
        self._thread: threading.Thread | None = None
        self._idle = False

    @contextmanager
    def bound(self, seconds: float, current: Callable[[], socket.socket | None]) -> Iterator[Deadline]:
        deadline = Deadline(time.monotonic() + seconds, current)
        with self._cond:
            self._bound = deadline
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="outbox-send-deadline", daemon=True)
                self._thread.start()
            elif self._idle:
                self._cond.notify()
        try:
            yield deadline
        finally:
            with self._cond:
                self._bound = None

    def _watch(self) -> None:
        with self._cond:
            while True:
                bound = self._bound
                if bound is None:
                    self._idle = True
                    woken = self._cond.wait(self.IDLE_EXIT)
                    self._idle = False
                    if not woken and self._bound is None:
                        self._thread = None
                        return
                    continue
                left = bound.ends - time.monotonic()
                if left > 0:
                    self._cond.wait(left)  # an exchange that ends early is not worth a wake-up
                    continue
                bound.expired = True
                _shut_down(bound.current())
                self._cond.wait(self.TICK)


def _shut_down(sock: socket.socket | None) -> None:
    if sock is None:
        return
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's method: never touches TLS state
    except OSError:
        pass
