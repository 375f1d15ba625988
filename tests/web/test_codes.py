"""recovery.codes: what a typed code normalises to, the liveness test, and a try counted before the compare."""

from __future__ import annotations

from datetime import timedelta

import pytest

from recovery import codes
from recovery.accounts.models import EmailVerification, User
from recovery.accounts.verification import CODES, check_code, issue_code
from recovery.errors import TokenInvalid


@pytest.mark.parametrize(("typed", "expected"), [
    ("12345678", "12345678"),
    ("1234 5678", "12345678"),
    (" 1234-5678 ", "12345678"),
    ("1234\u20135678", "12345678"),  # an en dash, as a phone's autocorrect writes "-"
    ("1234\u00a05678", "12345678"),  # a no-break space, as copied from an email
    ("12 34 56 78", "12345678"),
    ("1234567", None),  # too short
    ("123456789", None),  # too long
    ("1234567\u00b3", None),  # "³": str.isdigit() says yes, we never print it
    ("\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668", None),  # Arabic-Indic digits
    ("\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", None),  # fullwidth digits: no NFKC
    ("1234_5678", None),
    ("+1234567", None),
    ("", None),
    (None, None),
    (12345678, None),
    ("1" * 65, None),
])
def test_normalise_keeps_exactly_the_ascii_digits_we_print(typed, expected):
    assert codes.normalise(typed, 8) == expected


def test_digest_binds_the_code_to_its_purpose_and_subject(services):
    with services() as ctx:
        stored = codes.digest(ctx, "12345678", "email-verification", "primary", 1, "ada@example.com")
        assert codes.matches(ctx, "1234 5678", 8, stored, "email-verification", "primary", 1, "ada@example.com")
        assert not codes.matches(ctx, "12345678", 8, stored, "email-verification", "primary", 2, "ada@example.com")
        assert not codes.matches(ctx, "12345678", 8, stored, "email-verification", "contact", 1, "ada@example.com")


def _issue(services, people) -> tuple[int, int, str]:
    """An account and a verification code for it: (user id, code row id, the code)."""
    user_id = people.add("ada@example.com")
    with services() as ctx:
        issued = issue_code(ctx, ctx.session.get(User, user_id), "ada@example.com", "primary")
        assert issued is not None
        ctx.session.flush()
        return user_id, issued[0].id, issued[1]


def test_live_is_false_once_used_expired_or_out_of_tries(services, people):
    _, row_id, _ = _issue(services, people)
    with services() as ctx:
        row, now = ctx.session.get(EmailVerification, row_id), ctx.clock.now()
        assert CODES.live(row, now)
        assert not CODES.live(row, row.expires_at)
        row.attempts = CODES.max_tries
        assert not CODES.live(row, now)
        row.attempts, row.used_at = 0, now
        assert not CODES.live(row, now)
        ctx.session.rollback()


def test_a_wrong_code_is_counted_although_its_request_rolls_back(services, people):
    user_id, row_id, code = _issue(services, people)
    with pytest.raises(TokenInvalid), services() as ctx:  # the unit of work rolls back on the error
        check_code(ctx, ctx.session.get(User, user_id), "ada@example.com", "primary", f"{(int(code) + 1) % 10**8:08d}")
    with services() as ctx:
        assert ctx.session.get(EmailVerification, row_id).attempts == 1


def test_a_try_is_refused_once_the_code_is_dead(services, people, clock):
    _, row_id, _ = _issue(services, people)
    clock.advance(timedelta(minutes=31))
    with services() as ctx:
        assert CODES.claim_try(ctx, row_id) is None
        assert ctx.session.get(EmailVerification, row_id).attempts == 0
