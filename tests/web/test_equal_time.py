"""The response-time padding: a fast answer waits until the slow answers' usual duration (time injected)."""

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


def test_padding_follows_the_machine_not_a_fixed_delay():
    clock = FakeTime()
    timing = EqualTiming(window=20, quantile=0.9, warmup=5, now=lambda: clock.now, sleep=clock.sleep)
    for _ in range(20):
        _answer(timing, clock, 0.050)  # a slow machine, or a loaded one
    for _ in range(20):
        _answer(timing, clock, 0.004)
    assert _answer(timing, clock, 0.003) == 0.001  # the old slow durations have left the window


def test_first_answer_waits_for_nothing():
    clock = FakeTime()
    timing = EqualTiming(now=lambda: clock.now, sleep=clock.sleep)
    assert _answer(timing, clock, 0.005) == 0.0
    assert _answer(timing, clock, 0.001) == 0.004  # before warm-up: the slowest seen so far
