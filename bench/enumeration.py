"""Figure 4, enumeration by timing: medians for existing vs unknown emails, interleaved, through gunicorn.

Reset requests go through the reset engineer's `bench/reset_enumeration.py` (its `measure` shuffles known,
unknown and locked addresses each round); it expects a Flask app and drives `app.test_client()`, so it is
handed `HttpApp`, whose client sends the same calls over HTTP to the gunicorn server instead. Sign-ins use
the same interleaving here: an existing email with a wrong password against an unknown email (both 401).
"""

from __future__ import annotations

import http.client
import json
import random
import statistics
import time
from dataclasses import dataclass

from bench.context import Run
from bench.procs import HOST
from bench.recovery_server import Recovery, client_ip
from bench.table import Row, Target, ratio_of

RUNS, QUICK_RUNS, WARMUP = 500, 100, 50
TARGET = Target("==", 1.0, tolerance=0.02)


@dataclass
class HttpResponse:
    status_code: int
    body: bytes

    def get_data(self, as_text: bool = False):
        return self.body.decode(errors="replace") if as_text else self.body


class HttpClient:
    """The slice of Flask's test client that the reset benchmark uses, over a fresh connection per call.

    Each call comes from another simulated client (X-Forwarded-For, believed for one hop): one address
    failing hundreds of sign-ins would rightly be throttled as credential stuffing, which is not what this
    figure measures.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.calls = 0

    def post(self, path: str, json: dict | None = None) -> HttpResponse:  # noqa: A002 - Flask's keyword
        return self.request("POST", path, json)

    def request(self, method: str, path: str, body: dict | None) -> HttpResponse:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            self.calls += 1
            connection.request(method, path, body=_dumps(body),
                               headers={"Content-Type": "application/json", "X-Forwarded-For": client_ip(self.calls)})
            response = connection.getresponse()
            return HttpResponse(response.status, response.read())
        finally:
            connection.close()


def _dumps(body: dict | None) -> str | None:
    return None if body is None else json.dumps(body)


class HttpApp:
    def __init__(self, port: int) -> None:
        self.port = port

    def test_client(self) -> HttpClient:
        return HttpClient(self.port)


def interleaved(client: HttpClient, path: str, bodies: dict[str, dict], expected: int, *, runs: int,
                warmup: int) -> dict[str, list[float]]:
    """Milliseconds per path; each round sends every body once, in a new random order."""
    timings: dict[str, list[float]] = {name: [] for name in bodies}
    order = list(bodies)
    for round_no in range(warmup + runs):
        random.shuffle(order)
        for name in order:
            started = time.perf_counter_ns()
            response = client.post(path, json=bodies[name])
            elapsed = (time.perf_counter_ns() - started) / 1e6
            if response.status_code != expected:
                raise RuntimeError(f"{path} for {name} answered {response.status_code}: {response.get_data()[:200]}")
            if round_no >= warmup:
                timings[name].append(elapsed)
    return timings


def measure(run: Run, recovery: Recovery) -> dict[str, dict[str, list[float]]]:
    runs = QUICK_RUNS if run.quick else RUNS
    seeded = recovery.seeded
    emails = {"known": seeded.known, "unknown": seeded.unknown, "locked": seeded.locked}
    try:
        from bench import reset_enumeration
    except ImportError:  # the reset engineer's module moved: the same interleaving, done here
        resets = interleaved(HttpClient(recovery.proc.port), "/api/v1/password-resets",
                             {name: {"email": email} for name, email in emails.items()}, 202, runs=runs,
                             warmup=WARMUP)
    else:
        resets = reset_enumeration.measure(HttpApp(recovery.proc.port), emails, runs, WARMUP)
    wrong = "a wrong passphrase of the same length!"
    signins = interleaved(HttpClient(recovery.proc.port), "/api/v1/sessions",
                          {"known": {"email": seeded.known, "password": wrong},
                           "unknown": {"email": seeded.unknown, "password": wrong}}, 401, runs=runs, warmup=WARMUP)
    return {"reset": resets, "signin": signins}


def rows(timings: dict[str, dict[str, list[float]]]) -> list[Row]:
    out = []
    labels = {"reset": "4 reset request median, existing vs unknown email",
              "signin": "4 sign-in median, existing (wrong password) vs unknown email"}
    for kind, label in labels.items():
        paths = timings[kind]
        known, unknown = statistics.median(paths["known"]), statistics.median(paths["unknown"])
        row = Row(f"{label} (n={len(paths['known'])} each)", known, "ms", peer="unknown email", peer_value=unknown,
                  ratio=ratio_of(known, unknown), target=TARGET)
        row.extra = {name: _summary(values) for name, values in paths.items()}
        out.append(row)
    return out


def _summary(values: list[float]) -> dict:
    q = statistics.quantiles(values, n=20)
    return {"median": statistics.median(values), "p25": q[4], "p75": q[14], "p90": q[17]}
