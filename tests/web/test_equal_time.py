"""The response-time padding: a fast answer waits until the slow answers' usual duration (time injected)."""

import time

from recovery.web.equal_time import EqualTiming


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def _answer(timing: EqualTiming, clock: FakeTime, duration: float) -> float:
    started = timing.start()
    clock.now += duration
    return round(timing.finish(started), 6)


def test_fast_answer_is_padded_to_the_recent_slow_ones():
    clock = FakeTime()
    timing = EqualTiming(window=100, quantile=0.9, warmup=10, now=lambda: clock.now, sleep=clock.sleep)
    for _ in range(50):
        _answer(timing, clock, 0.007)  # the known-address path
        _answer(timing, clock, 0.006)  # the unknown-address path
    assert _answer(timing, clock, 0.006) == 0.001
    assert _answer(timing, clock, 0.007) == 0.0


def test_padding_rises_with_a_slower_machine():
    clock = FakeTime()
    timing = EqualTiming(window=20, quantile=0.9, warmup=5, now=lambda: clock.now, sleep=clock.sleep)
    for _ in range(20):
        _answer(timing, clock, 0.004)
    for _ in range(20):
        _answer(timing, clock, 0.050)  # a slow machine, or a loaded one
    assert _answer(timing, clock, 0.003) == 0.047


def _trained(timing: EqualTiming, clock: FakeTime, fast_answers: int) -> None:
    """A mix of known (7 ms) and unknown (6 ms) addresses, then a run of unknown ones sent as fast as possible."""
    for _ in range(50):
        _answer(timing, clock, 0.007)
        _answer(timing, clock, 0.006)
    for _ in range(fast_answers):
        _answer(timing, clock, 0.006)


def test_a_run_of_fast_answers_cannot_train_the_padding_below_the_slow_path():
    clock = FakeTime()
    timing = EqualTiming(window=100, quantile=0.9, warmup=10, now=lambda: clock.now, sleep=clock.sleep)
    _trained(timing, clock, fast_answers=500)  # five windows of unknown addresses
    unknown = 0.006 + _answer(timing, clock, 0.006)
    known = 0.007 + _answer(timing, clock, 0.007)
    assert unknown == known == 0.007


def test_the_high_water_mark_is_lowered_by_the_clock_alone_and_never_below_the_floor():
    clock = FakeTime()
    timing = EqualTiming(floor=0.010, window=100, quantile=0.9, warmup=10, hold=600,
                         now=lambda: clock.now, sleep=clock.sleep)
    for _ in range(100):
        _answer(timing, clock, 0.040)  # a loaded minute: the target is 40 ms
    for _ in range(1000):
        _answer(timing, clock, 0.002)
    assert _answer(timing, clock, 0.002) == 0.038  # a thousand fast answers lowered nothing
    clock.now += 601
    assert _answer(timing, clock, 0.002) == 0.008  # ten quiet minutes: back to the floor, not below it


def test_first_answer_waits_for_the_floor():
    clock = FakeTime()
    timing = EqualTiming(floor=0.1, now=lambda: clock.now, sleep=clock.sleep)
    assert _answer(timing, clock, 0.005) == 0.095
    assert _answer(timing, clock, 0.250) == 0.0
    assert _answer(timing, clock, 0.001) == 0.249  # before warm-up: the slowest seen so far


def test_padded_views_wait_for_the_configured_floor(make_app):
    """The first resend answer (no durations learned yet) still takes at least the floor."""
    client = make_app(equal_time_floor_ms=250).test_client()
    started = time.perf_counter()
    assert client.post("/api/v1/accounts/verify/resend", json={"email": "nobody@example.com"}).status_code == 202
    assert time.perf_counter() - started >= 0.25


def test_code_confirmations_keyed_by_an_account_email_wait_for_the_floor(make_app):
    """A wrong code for a known address counts a try (a write); an unknown address has nothing to count: each
    confirmation door is padded like the request that sent the code, so its time tells neither apart."""
    from helpers.csrf import csrf_from

    client = make_app(equal_time_floor_ms=250).test_client()
    doors = [("/api/v1/appeals/confirm", None), ("/appeal/confirm", "/appeal/confirm"),
             ("/contact/confirm", "/contact/confirm")]
    for path, form_page in doors:
        body = {"email": "nobody@example.com", "code": "12345678"}
        started = time.perf_counter()
        if form_page is None:
            status = client.post(path, json=body).status_code
        else:
            token = csrf_from(client.get(form_page).get_data(as_text=True))
            status = client.post(path, data={**body, "csrf_token": token}).status_code
        assert status in (400, 401, 404) and time.perf_counter() - started >= 0.25, path
