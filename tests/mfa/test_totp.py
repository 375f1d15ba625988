"""TOTP rules as pure functions: 160-bit secrets from the seam, the URI, six ASCII digits, one step of drift."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from recovery.mfa import totp
from recovery.tokens import Tokens

AT = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class CountingRandomness:
    def __init__(self) -> None:
        self.asked: list[int] = []

    def token_bytes(self, n: int) -> bytes:
        self.asked.append(n)
        return bytes(range(n))

    def randbelow(self, n: int) -> int:
        return 0


def test_new_secret_is_160_bits_drawn_from_the_token_seam():
    randomness = CountingRandomness()
    secret = totp.new_secret(Tokens("k" * 40, randomness))
    assert randomness.asked == [20]
    assert len(secret) == 32 and base64.b32decode(secret) == bytes(range(20))


def test_provisioning_uri_names_the_issuer_and_the_account():
    uri = totp.provisioning_uri(SECRET, account="ada@example.com", issuer="recovery")
    assert uri.startswith("otpauth://totp/recovery:ada%40example.com?")
    assert f"secret={SECRET}" in uri and "issuer=recovery" in uri


def test_qr_svg_is_inline_markup_without_script_or_remote_image():
    svg = totp.qr_svg("otpauth://totp/recovery:ada?secret=" + SECRET, title="QR <code>")
    assert svg.startswith("<svg") and "<script" not in svg and "href" not in svg and "style=" not in svg
    assert "QR &lt;code&gt;" in svg


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_matching_step_accepts_one_step_of_drift_either_way(offset):
    code = pyotp.TOTP(SECRET).at(AT, counter_offset=offset)
    assert totp.matching_step(SECRET, code, AT, after=0) == pyotp.TOTP(SECRET).timecode(AT) + offset


@pytest.mark.parametrize("offset", [-2, 2, 10])
def test_matching_step_rejects_codes_two_or_more_steps_away(offset):
    code = pyotp.TOTP(SECRET).at(AT, counter_offset=offset)
    assert totp.matching_step(SECRET, code, AT, after=0) is None


def test_matching_step_refuses_steps_at_or_before_the_last_used_one():
    step = pyotp.TOTP(SECRET).timecode(AT)
    code = pyotp.TOTP(SECRET).at(AT)
    assert totp.matching_step(SECRET, code, AT, after=step) is None
    assert totp.matching_step(SECRET, code, AT, after=step - 1) == step


@pytest.mark.parametrize("typed", ["١٢٣٤٥٦", "１２３４５６", "12345", "1234567", "12 3456", "abcdef", "12345\n"])
def test_only_six_ascii_digits_look_like_a_totp_code(typed):
    assert not totp.looks_like_totp(typed)


def test_non_ascii_digits_of_the_right_code_are_refused():
    code = pyotp.TOTP(SECRET).at(AT)
    arabic = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    fullwidth = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert totp.matching_step(SECRET, arabic, AT, after=0) is None
    assert totp.matching_step(SECRET, fullwidth, AT, after=0) is None
    assert totp.matching_step(SECRET, code, AT, after=0) is not None


def test_time_comes_from_the_caller_not_the_system_clock():
    later = AT + timedelta(days=400)
    code = pyotp.TOTP(SECRET).at(later)
    assert totp.matching_step(SECRET, code, later, after=0) is not None
    assert totp.matching_step(SECRET, code, AT, after=0) is None


def test_grouped_secret_reads_in_fours():
    assert totp.grouped(SECRET) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"
