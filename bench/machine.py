"""What the figures were measured on, and how busy the machine was meanwhile (other work shares the cores)."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


@dataclass
class Machine:
    cores: int
    cpu: str
    memory_gib: float | None
    python: str
    load_before: tuple[float, float, float]
    _times_before: tuple[int, int] | None = None
    load_after: tuple[float, float, float] | None = None
    busy_share: float | None = None  # fraction of all CPU time used by anything (bench included) during the run

    @classmethod
    def now(cls) -> Machine:
        return cls(os.cpu_count() or 1, _cpu_model(), _memory_gib(), platform.python_version(), os.getloadavg(),
                   _cpu_times())

    def finish(self) -> None:
        self.load_after = os.getloadavg()
        after = _cpu_times()
        if self._times_before and after and after[1] > self._times_before[1]:
            self.busy_share = (after[0] - self._times_before[0]) / (after[1] - self._times_before[1])

    def describe(self) -> str:
        memory = f"{self.memory_gib:.0f} GiB" if self.memory_gib else "unknown memory"
        text = (f"{self.cores} cores ({self.cpu}), {memory}, Python {self.python}; "
                f"load average {self.load_before[0]:.2f} at start")
        if self.load_after:
            text += f", {self.load_after[0]:.2f} at end"
        if self.busy_share is not None:
            text += f"; CPUs {self.busy_share:.0%} busy during the run (the bench and everything else)"
        return text
