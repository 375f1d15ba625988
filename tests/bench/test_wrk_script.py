"""The wrk script generator: one-shot bodies per 30-second step, and the single-thread rule that keeps them
one-shot."""

from __future__ import annotations

import pytest

from bench.wrk import Request, lua_script, run


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
