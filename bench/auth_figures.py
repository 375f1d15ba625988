"""Figures 1 to 3: the argon2 floor, recovery's sign-in against it, and recovery against its peers.

The loads alternate between recovery and the peers (all servers up, idle ones cost nothing) in two rounds of
half the load's time each, the second in reverse order, and the floor is measured before each round and after
the last, so a neighbour's burst on a shared machine (or a slower spell of the machine itself) weighs on both
sides of a ratio rather than on one.
"""

from __future__ import annotations

import json
import statistics

from bench import plugins, totp_figure
from bench.argon2_floor import Argon2Params
from bench.argon2_floor import measure as measure_floor
from bench.context import Run
from bench.loads import Load, attempt, measure_in_rounds, rounds_of
from bench.peer_servers import Allauth, FlaskSecurityToo
from bench.procs import Proc
from bench.recovery_server import PASSWORD, Recovery
from bench.table import Row, Target, pending, ratio_of
from bench.wrk import Request

JSON = {"Content-Type": "application/json"}
FST = totp_figure.FST
ALLAUTH = "django-allauth"


def recovery_signin(recovery: Recovery) -> list[Request]:
    body = json.dumps({"email": recovery.seeded.known, "password": PASSWORD})
    return [Request("POST", "/api/v1/sessions", JSON, body)]


def recovery_reset(recovery: Recovery) -> list[Request]:
    seeded = recovery.seeded
    return [Request("POST", "/api/v1/password-resets", JSON, json.dumps({"email": email}))
            for email in (seeded.known, seeded.unknown)]


def verify_only() -> list[Request]:
    return [Request("POST", "/bare/verify", JSON, json.dumps({"password": PASSWORD}))]


def loads(recovery: Recovery, fst: FlaskSecurityToo | None, allauth: Allauth | None,
          bare: Proc | None = None) -> list[Load]:
    """Every wrk load of figures 2 and 3, in the order of a round."""
    out = [Load("signin", recovery.proc, "recovery-signin", recovery_signin(recovery), {201})]
    if bare:
        out.append(Load("verify_only", bare, "bare-verify", verify_only(), {201}))
    if fst:
        out.append(Load("fst_signin", fst.proc, "fst-signin", fst.signin(), {200}))
    if allauth:
        out.append(Load("allauth_signin", allauth.proc, "allauth-signin", allauth.signin(), {200}))
    out.append(Load("reset", recovery.proc, "recovery-reset", recovery_reset(recovery), {202}))
    if allauth:
        out.append(Load("allauth_reset", allauth.proc, "allauth-reset", allauth.reset(recovery.seeded.unknown),
                        {200}))
    if fst:
        out.append(Load("fst_reset", fst.proc, "fst-reset", fst.reset(recovery.seeded.unknown), {200}))
    return out


def measure_all(run: Run, recovery: Recovery, fst: FlaskSecurityToo | None, allauth: Allauth | None,
                errors: dict[str, str], bare: Proc | None = None) -> dict:
    """The loads in alternating rounds (bench.loads.measure_in_rounds), the floor before each round and after
    the last: a drift of the machine's speed weighs on every server, not on whichever ran when it happened."""
    params = Argon2Params.recovery_defaults()
    floor_seconds = run.seconds / (rounds_of(run) + 1)
    floors: list = []

    def floor() -> None:
        floors.append(attempt("floor", lambda: measure_floor(params, run.workers, floor_seconds), errors))

    got: dict = {"params": params, **measure_in_rounds(run, loads(recovery, fst, allauth, bare), errors, floor)}
    floor()
    got["floors"] = [f for f in floors if f is not None]
    got["totp"] = attempt("totp", lambda: totp_figure.measure(run, errors), errors)
    return got


def _rate(result, status: int) -> float | None:
    return result.rate_of({status}) if result is not None else None


def _note(errors: dict[str, str], *labels: str) -> str | None:
    found = [f"{label} failed: {errors[label]}" for label in labels if label in errors]
    return "; ".join(found)[:600] or None


def rows(run: Run, got: dict, errors: dict[str, str]) -> list[Row]:
    params: Argon2Params = got["params"]
    floors = got["floors"]
    floor = statistics.mean(f.per_second for f in floors) if floors else None
    floor_cpu = statistics.mean(f.cpu_ms for f in floors) if floors else None
    signin = got["signin"]
    signin_rate = _rate(signin, 201)
    signin_cpu = signin.cpu_ms_per({201}) if signin else None
    verify_rate = _rate(got.get("verify_only"), 201)
    target = Target(">=", 0.92)
    out = [
        Row(f"1 argon2 floor ({run.workers} processes, {params.describe()})", floor, "verifies/s",
            note=_note(errors, "floor")),
        Row("1 argon2 verify, CPU time", floor_cpu, "ms"),
        Row("2 sign-in through gunicorn (POST /api/v1/sessions)", signin_rate, "req/s", peer="argon2 floor",
            peer_value=floor, ratio=ratio_of(signin_rate, floor), target=target, note=_note(errors, "signin")),
        # No target: the most any sign-in through this gunicorn and Flask could reach (bench/wsgi_bare.py).
        Row("2 sign-in ceiling: bare Flask endpoint that only verifies (POST /bare/verify)", verify_rate, "req/s",
            peer="argon2 floor", peer_value=floor, ratio=ratio_of(verify_rate, floor),
            note=_note(errors, "verify_only")),
        Row("2 sign-in p50 latency", signin.p50_ms if signin else None, "ms"),
        Row("2 sign-in p99 latency", signin.p99_ms if signin else None, "ms"),
        # The same ratio from CPU time (argon2 ms / server ms per sign-in): what a busy machine cannot blur.
        Row("2 sign-in, server CPU per request (ratio = verify CPU / sign-in CPU)", signin_cpu, "ms",
            peer="argon2 verify", peer_value=floor_cpu, ratio=ratio_of(floor_cpu, signin_cpu), target=target),
    ]
    out += _peer_rows(got, errors, signin_rate)
    return out


def _peer_rows(got: dict, errors: dict[str, str], signin_rate: float | None) -> list[Row]:
    reset_rate = _rate(got["reset"], 202)
    fst_signin, allauth_signin = _rate(got.get("fst_signin"), 200), _rate(got.get("allauth_signin"), 200)
    fst_reset, allauth_reset = _rate(got.get("fst_reset"), 200), _rate(got.get("allauth_reset"), 200)
    out = [
        Row("3 sign-in vs Flask-Security-Too", signin_rate, "req/s", peer=FST, peer_value=fst_signin,
            ratio=ratio_of(signin_rate, fst_signin), target=Target(">=", 1.15), note=_note(errors, "fst_signin")),
        Row("3 sign-in vs django-allauth", signin_rate, "req/s", peer=ALLAUTH, peer_value=allauth_signin,
            ratio=ratio_of(signin_rate, allauth_signin), note=_note(errors, "allauth_signin")),
        Row("3 reset request vs django-allauth", reset_rate, "req/s", peer=ALLAUTH, peer_value=allauth_reset,
            ratio=ratio_of(reset_rate, allauth_reset), target=Target(">=", 2.0),
            note=_note(errors, "reset", "allauth_reset")),
        Row("3 reset request vs Flask-Security-Too", reset_rate, "req/s", peer=FST, peer_value=fst_reset,
            ratio=ratio_of(reset_rate, fst_reset), note=_note(errors, "fst_reset")),
    ]
    return out + [_totp_row(got.get("totp"), errors), *totp_figure.least_rows(got.get("totp"), errors)]


def _totp_row(totp: dict | None, errors: dict[str, str]) -> Row:
    label = "3 TOTP step vs Flask-Security-Too (median ms, in-process; ratio = FST ms / recovery ms)"
    target = Target(">=", 4.0)
    fst = statistics.median(totp["fst"]) if totp else None
    if totp is None or totp["recovery"] is None:
        return pending(label, "ms", _note(errors, "totp") or plugins.MFA_PENDING, peer=FST, peer_value=fst,
                       target=target, missing="failed" if "totp" in errors else "not available yet")
    ours = statistics.median(totp["recovery"])
    return Row(f"{label}, n={len(totp['recovery'])}", ours, "ms", peer=FST, peer_value=fst, ratio=ratio_of(fst, ours),
               target=target)
