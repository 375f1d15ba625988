"""The wrk script generator: one-shot bodies per 30-second step, and the single-thread rule that keeps them
one-shot."""

from __future__ import annotations

import pytest

from bench.wrk import Request, Result, combine, lua_script, run


def test_step_bodies_are_written_per_step_in_order_and_plain_requests_stay_prepared():
    mfa = Request("POST", "/api/v1/sessions/mfa", {"Content-Type": "application/json"},
                  step_bodies={100: ['{"code": "111111"}', '{"code": "222222"}'], 101: ['{"code": "333333"}']})
    script = lua_script([Request("GET", "/healthz"), mfa])

    assert 'steps = {[100] = {"{\\"code\\": \\"111111\\"}", "{\\"code\\": \\"222222\\"}"}, ' \
           '[101] = {"{\\"code\\": \\"333333\\"}"}}' in script
    assert 'path = "/healthz", headers = {}, body = nil, steps = nil' in script
    assert "math.floor(os.time() / 30)" in script


def test_one_shot_bodies_refuse_more_than_one_wrk_thread(tmp_path):
    mfa = Request("POST", "/api/v1/sessions/mfa", step_bodies={1: ["{}"]})

    with pytest.raises(ValueError, match="single wrk thread"):
        run("http://127.0.0.1:9", [mfa], seconds=1, connections=2, workdir=tmp_path, name="x", threads=2)


def test_loads_run_in_parts_combine_into_one_result():
    first = Result(requests=300, seconds=10.0, statuses={201: 299, 401: 1}, p50_ms=40.0, p90_ms=50.0, p99_ms=60.0,
                   socket_errors=0, output="a", server_cpu_seconds=6.0)
    second = Result(requests=100, seconds=10.0, statuses={201: 100}, p50_ms=80.0, p90_ms=90.0, p99_ms=100.0,
                    socket_errors=2, output="b", server_cpu_seconds=3.0)
    both = combine([first, second])
    assert (both.requests, both.seconds, both.statuses, both.socket_errors) == (400, 20.0, {201: 399, 401: 1}, 2)
    assert both.rate_of({201}) == 399 / 20 and both.cpu_ms_per({201}) == 9000 / 399
    assert (both.p50_ms, both.p99_ms) == (50.0, 70.0)  # weighted by each part's requests
    assert combine([first, Result(**{**vars(second), "server_cpu_seconds": None})]).server_cpu_seconds is None


def test_loads_compared_with_each_other_alternate_in_rounds(monkeypatch, tmp_path):
    from bench import loads
    from bench.context import Run

    ran: list[str] = []

    def fake_measure(run, proc, name, requests, expected, *, seconds):
        ran.append(name)
        if name == "c-2":
            raise RuntimeError("c failed in its second half")
        return Result(requests=10, seconds=seconds, statuses={200: 10}, p50_ms=1.0, p90_ms=2.0, p99_ms=3.0,
                      socket_errors=0, output=name, server_cpu_seconds=0.1)

    monkeypatch.setattr(loads, "measure", fake_measure)
    rounds: list[int] = []
    errors: dict[str, str] = {}
    run = Run(tmp_path, procs=None)  # type: ignore[arg-type]
    got = loads.measure_in_rounds(run, [loads.Load(label, None, label, [], {200}) for label in "abc"],  # type: ignore[arg-type]
                                  errors, before_round=lambda: rounds.append(len(ran)))
    assert ran == ["a-1", "b-1", "c-1", "c-2", "b-2", "a-2"] and rounds == [0, 3]
    assert got["a"].requests == 20 and got["a"].seconds == run.seconds and got["c"] is None
    assert "c failed" in errors["c"]
    ran.clear()
    quick = loads.measure_in_rounds(Run(tmp_path, procs=None, quick=True),  # type: ignore[arg-type]
                                    [loads.Load("a", None, "a", [], {200})], {})  # type: ignore[arg-type]
    assert ran == ["a-1"] and quick["a"].seconds == 5.0
