"""HTTP loads with wrk (Debian's package), driven by generated Lua scripts; results parsed from its output.

wrk runs in its own process, never in a server's interpreter. The Lua script builds each request (POST
bodies, headers, and one-shot bodies such as an MFA step's token and code, picked by the current 30-second
step) and counts every answer by status across
threads, so a load whose answers are not the expected ones is caught instead of being reported as fast.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

INSTALL_HINT = "wrk is not installed: `apt-get install -y wrk` (Debian's package), then run the bench again"


def wrk_path() -> str | None:
    return shutil.which("wrk")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    weight: int = 1
    # {30-second step (unix time // 30): bodies}: each body is sent once, in turn, during its step (a TOTP
    # code and the challenge it answers work once); past the last one the step's last body is sent again
    # (and its refusal is counted). Needs a single wrk thread, so two threads never send the same body.
    step_bodies: dict[int, list[str]] | None = None


@dataclass
class Result:
    requests: int
    seconds: float
    statuses: dict[int, int]
    p50_ms: float
    p90_ms: float
    p99_ms: float
    socket_errors: int
    output: str
    server_cpu_seconds: float | None = None  # CPU the server's processes used during the load

    def cpu_ms_per(self, expected: set[int]) -> float | None:
        """Server CPU milliseconds per expected answer: immune to how busy the rest of the machine is."""
        done = sum(n for s, n in self.statuses.items() if s in expected)
        return 1000 * self.server_cpu_seconds / done if self.server_cpu_seconds is not None and done else None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def count(self, low: int, high: int) -> int:
        return sum(n for status, n in self.statuses.items() if low <= status <= high)

    def share(self, expected: set[int]) -> float:
        """Fraction of answers with an expected status (1.0 when every answer was as planned)."""
        total = sum(self.statuses.values())
        return sum(n for s, n in self.statuses.items() if s in expected) / total if total else 0.0

    def rate_of(self, expected: set[int]) -> float:
        return sum(n for s, n in self.statuses.items() if s in expected) / self.seconds if self.seconds else 0.0


def combine(parts: list[Result]) -> Result:
    """One result from loads of the same requests run at different times (rounds alternating with other
    servers): counts, durations and server CPU add up; the percentiles are the parts' means weighted by their
    requests, which is exact for equal halves of a steady load and close otherwise."""
    requests = sum(p.requests for p in parts)
    statuses: dict[int, int] = {}
    for part in parts:
        for status, n in part.statuses.items():
            statuses[status] = statuses.get(status, 0) + n

    def weighted(value: str) -> float:
        return sum(getattr(p, value) * p.requests for p in parts) / requests if requests else 0.0

    cpu = [p.server_cpu_seconds for p in parts]
    return Result(requests=requests, seconds=sum(p.seconds for p in parts), statuses=statuses,
                  p50_ms=weighted("p50_ms"), p90_ms=weighted("p90_ms"), p99_ms=weighted("p99_ms"),
                  socket_errors=sum(p.socket_errors for p in parts), output="\n".join(p.output for p in parts),
                  server_cpu_seconds=None if None in cpu else sum(c for c in cpu if c is not None))


def lua_string(text: str) -> str:
    out = []
    for byte in text.encode():
        char = chr(byte)
        if char in '"\\':
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def _lua_request(request: Request) -> str:
    headers = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in request.headers.items())
    body = lua_string(request.body) if request.body is not None else "nil"
    steps = "nil"
    if request.step_bodies:
        steps = "{" + ", ".join(f"[{step}] = {{{', '.join(map(lua_string, bodies))}}}"
                                for step, bodies in request.step_bodies.items() if bodies) + "}"
    return (f"{{method = {lua_string(request.method)}, path = {lua_string(request.path)}, "
            f"headers = {{{headers}}}, body = {body}, steps = {steps}}}")


LUA_TEMPLATE = """
local items = {%(items)s}
local sequence = {%(sequence)s}
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 7919)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  position = offset %% #sequence
  prepared = {}
  sent = {}
  for i, item in ipairs(items) do
    if item.steps == nil then
      prepared[i] = wrk.format(item.method, item.path, item.headers, item.body)
    end
  end
end

function request()
  position = position %% #sequence + 1
  local i = sequence[position]
  local ready = prepared[i]
  if ready ~= nil then
    return ready
  end
  local item = items[i]
  local step = math.floor(os.time() / 30)
  local bodies = item.steps[step] or {item.body or ""}
  local key = i .. ":" .. step
  sent[key] = (sent[key] or 0) + 1
  return wrk.format(item.method, item.path, item.headers, bodies[math.min(sent[key], #bodies)])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(totals) do
    table.insert(parts, string.format("%%d=%%d", status, n))
  end
  io.write("BENCH_STATUS " .. table.concat(parts, ",") .. "\\n")
  io.write(string.format("BENCH_LATENCY %%d %%d %%d\\n", latency:percentile(50), latency:percentile(90),
                         latency:percentile(99)))
  local e = summary.errors
  io.write(string.format("BENCH_SUMMARY %%d %%d %%d\\n", summary.requests, summary.duration,
                         e.connect + e.read + e.write + e.timeout))
end
"""


def lua_script(requests: list[Request], seed: int = 7) -> str:
    sequence = [index for index, request in enumerate(requests, 1) for _ in range(request.weight)]
    random.Random(seed).shuffle(sequence)
    return LUA_TEMPLATE % {"items": ",\n  ".join(_lua_request(r) for r in requests),
                           "sequence": ", ".join(map(str, sequence))}


def run(base_url: str, requests: list[Request], *, seconds: float, connections: int, workdir: Path,
        name: str, threads: int = 1, timeout_seconds: int = 30) -> Result:
    """Run one wrk load for `seconds` against base_url (127.0.0.1 only); parse the counts and percentiles."""
    if not base_url.startswith("http://127.0.0.1:"):
        raise ValueError("loads go to 127.0.0.1 only")
    if threads > 1 and any(r.step_bodies for r in requests):
        raise ValueError("one-shot bodies need a single wrk thread")
    binary = wrk_path()
    if binary is None:
        raise RuntimeError(INSTALL_HINT)
    script = workdir / f"{name}.lua"
    script.write_text(lua_script(requests))
    argv = [binary, "-t", str(threads), "-c", str(max(connections, threads)), "-d", f"{max(1, round(seconds))}s",
            "--timeout", f"{timeout_seconds}s", "-s", str(script), base_url]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + timeout_seconds + 30,
                          check=False)
    (workdir / f"{name}.wrk.txt").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return parse(done.stdout)


def parse(output: str) -> Result:
    status_line = re.search(r"^BENCH_STATUS (.*)$", output, re.M)
    latency = re.search(r"^BENCH_LATENCY (\d+) (\d+) (\d+)$", output, re.M)
    summary = re.search(r"^BENCH_SUMMARY (\d+) (\d+) (\d+)$", output, re.M)
    if not (status_line and latency and summary):
        raise RuntimeError(f"unexpected wrk output:\n{output[-1500:]}")
    statuses = {}
    for part in filter(None, status_line.group(1).split(",")):
        status, count = part.split("=")
        statuses[int(status)] = int(count)
    p50, p90, p99 = (int(latency.group(i)) / 1000 for i in (1, 2, 3))
    return Result(requests=int(summary.group(1)), seconds=int(summary.group(2)) / 1e6, statuses=statuses,
                  p50_ms=p50, p90_ms=p90, p99_ms=p99, socket_errors=int(summary.group(3)), output=output)
