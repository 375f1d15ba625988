"""Figure 10: the worst-case CPU cost of the password policy, the max over a generated adversarial set.

Issue 15 item 2: zxcvbn 4.5 took about 3 s of CPU on a 72-character password built from its l33t table and
raised ValueError over 72 characters. The row runs `password_problems` (normalisation, length, estimate,
context words: everything sign-up, reset and change run) on every payload below and reports the largest CPU
time (time.process_time) of one call; each payload is timed three times and its fastest run kept, so the
figure is the cost of the worst input, not of a neighbour's burst. Target: at most 50 ms.

Standalone, in about ten seconds: `python -m bench.password_cost` (no servers, no peers).
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Iterator

from bench.table import Row, Target, format_table

LIMIT_MS = 50.0
MAX_LENGTH = 256  # the policy's default password_max_length
BOUNDARIES = (1, 8, 15, 16, 20, 24, 32, 48, 63, 64, 65, 71, 72, 73, 99, 100, 101, 128, 200, 255, 256)
L33T_TABLE_PAYLOAD = "!$%(+0123456789<@[{|"  # every substitution character of zxcvbn's l33t table
EMAIL = "maria.gonzalez@example.com"
LONG_EMAIL = "l" + "1!|7" * 15 + "@" + "e" * 60 + ".example.com"  # context words full of l33t characters
RUNS = 3


def _fill(pattern: str, n: int) -> str:
    return (pattern * (n // max(len(pattern), 1) + 1))[:n]


def l33t_payloads() -> Iterator[str]:
    """The lead's payload at every length up to the maximum, then reordered so each length meets every prefix."""
    for n in [*range(1, 81), *range(88, MAX_LENGTH + 1, 8)]:  # the estimate reads 32 characters: every length
        yield _fill(L33T_TABLE_PAYLOAD, n)                     # around it, then every 8th up to the maximum
    rng = random.Random(15)
    for n in BOUNDARIES:
        shuffled = list(L33T_TABLE_PAYLOAD)
        rng.shuffle(shuffled)
        yield _fill("".join(shuffled), n)
        yield _fill(L33T_TABLE_PAYLOAD[::-1], n)
        yield "".join(rng.choice(L33T_TABLE_PAYLOAD + "aeilost") for _ in range(n))


def adversarial_payloads() -> Iterator[str]:
    """Repeats, keyboard walks, dictionary concatenations, Unicode and random text at the length boundaries."""
    rng = random.Random(2)
    families = [
        "a", "1", "@", "ab", "abc1", "qwertyuiop", "1qaz2wsx3edc4rfv", "zxcvbnm,./", "0123456789",
        "password", "p@$$w0rd", "password123qwerty", "iloveyou", "maria.gonzalez", "m4r14.g0nz4l3z", "recovery",
        "yrevocer", "correcthorsebatterystaple", "the of and to in is", "19901991199219931994", "01/02/1990",
        # short words packed end to end, found by hill-climbing the work of zxcvbn's scoring
        "tofpoanbemeinmebemeddonotupheitisanonono", "orweitiinandtheandsoupnobesonoinaitmyoru",
        "风吹过七座安静的山丘", "é", "e\u0301", "\u0130", "ß", "\U0001F600", "\u202e", "\x00", "ﬃ", "\u0958",
    ]
    for n in BOUNDARIES:
        for family in families:
            yield _fill(family, n)
        yield "".join(chr(0x4E00 + i) for i in range(n))  # no repeat anywhere: the repeat regexes' worst case
        yield "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789!$%@") for _ in range(n))
        yield "".join(chr(rng.randrange(0x20, 0x2FFFF)) for _ in range(n))


def payloads() -> Iterator[tuple[str, str]]:
    """Every (password, email) pair the figure times."""
    for password in [*l33t_payloads(), *adversarial_payloads()]:
        yield password, EMAIL
    for n in BOUNDARIES:
        yield _fill(L33T_TABLE_PAYLOAD, n), LONG_EMAIL


def cost_ms(password: str, email: str) -> float:
    """The fastest of RUNS calls of the whole policy, in CPU milliseconds."""
    from recovery.accounts.password_policy import password_problems

    best = float("inf")
    for _ in range(RUNS):
        started = time.process_time()
        password_problems(password, email=email, min_length=15, max_length=MAX_LENGTH)
        best = min(best, time.process_time() - started)
    return best * 1000


def measure() -> dict:
    """The worst payload over the adversarial set and over the l33t-table payloads alone."""
    worst = {"ms": 0.0, "length": 0, "payload": ""}
    worst_l33t = 0.0
    count = 0
    for password, email in payloads():
        ms = cost_ms(password, email)
        count += 1
        if ms > worst["ms"]:
            worst = {"ms": ms, "length": len(password), "payload": password[:24]}
        if set(password) <= set(L33T_TABLE_PAYLOAD):
            worst_l33t = max(worst_l33t, ms)
    return {**worst, "l33t_ms": worst_l33t, "payloads": count}


def rows(measured: dict | None, errors: dict[str, str] | None = None) -> list[Row]:
    label = "10 worst-case password-policy cost (CPU, max over the adversarial set and the l33t-table payload)"
    target = Target("<=", LIMIT_MS, on="value", text=f"≤ {LIMIT_MS:g} ms")
    if measured is None:
        why = f"password cost failed: {(errors or {}).get('password_cost', 'unknown error')}"[:600]
        return [Row(label, None, "ms", target=target, note=why, missing="failed")]
    return [Row(f"{label}, n={measured['payloads']}", measured["ms"], "ms", peer="l33t payload",
                peer_value=measured["l33t_ms"], target=target, extra=measured)]


def main() -> int:
    started = time.monotonic()
    measured = measure()
    print(f"password cost: {measured['payloads']} payloads in {time.monotonic() - started:.1f} s; worst "
          f"{measured['ms']:.1f} ms at {measured['length']} characters ({measured['payload']!r}...)\n")
    print(format_table(rows(measured)))
    return 0 if rows(measured)[0].met else 1


if __name__ == "__main__":
    sys.exit(main())
