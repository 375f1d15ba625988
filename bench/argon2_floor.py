"""Figure 1, the physical floor: argon2id verifies per second with recovery's parameters, one process per worker.

A sign-in cannot be faster than one verify, so `workers` processes doing nothing but verifies is the most
sign-ins the machine could answer; figure 2 is the fraction of it that recovery reaches through gunicorn.
"""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass

from argon2 import PasswordHasher, Type

from recovery.settings import Settings


@dataclass(frozen=True)
class Argon2Params:
    time_cost: int
    memory_cost: int
    parallelism: int

    @classmethod
    def recovery_defaults(cls) -> Argon2Params:
        defaults = Settings()
        return cls(defaults.argon2_time_cost, defaults.argon2_memory_cost, defaults.argon2_parallelism)

    def describe(self) -> str:
        return f"argon2id m={self.memory_cost} KiB, t={self.time_cost}, p={self.parallelism}"


def _verifier(params: Argon2Params, start, seconds: float, results) -> None:
    hasher = PasswordHasher(time_cost=params.time_cost, memory_cost=params.memory_cost,
                            parallelism=params.parallelism, hash_len=32, salt_len=16, type=Type.ID)
    password = "bench passphrase that is long enough"  # noqa: S105 - a benchmark account
    stored = hasher.hash(password)
    start.wait()
    deadline = time.perf_counter() + seconds
    count = 0
    began, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() < deadline:
        hasher.verify(stored, password)
        count += 1
    results.put((count, time.perf_counter() - began, time.process_time() - cpu))


@dataclass(frozen=True)
class Floor:
    per_second: float  # verifies per second of all processes together (wall clock)
    cpu_ms: float  # CPU milliseconds per verify (what a sign-in cannot go below, however busy the machine)


def measure(params: Argon2Params, processes: int, seconds: float) -> Floor:
    """`processes` processes started together, each verifying for `seconds`."""
    context = multiprocessing.get_context("spawn")  # a clean interpreter, like a gunicorn worker
    start = context.Event()
    results = context.Queue()
    workers = [context.Process(target=_verifier, args=(params, start, seconds, results)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(0.5)  # let every process finish its own hash before the clock starts
        start.set()
        counts = [results.get(timeout=seconds + 60) for _ in workers]
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()
    return Floor(sum(count / elapsed for count, elapsed, _cpu in counts),
                 1000 * sum(cpu for *_rest, cpu in counts) / sum(count for count, *_rest in counts))
