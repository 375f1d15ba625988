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
