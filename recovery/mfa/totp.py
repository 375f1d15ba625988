"""TOTP (RFC 6238) through pyotp: 160-bit secrets from the randomness seam, the otpauth URI, its QR code as SVG,
and which time step a code belongs to. Pure functions: the time is always passed in, never read here.
"""

from __future__ import annotations

import base64
import hmac
import re
from datetime import datetime

import pyotp
import segno

from recovery.tokens import Tokens

SECRET_BYTES = 20  # 160 bits (RFC 4226 §4 recommends 160)
DRIFT_STEPS = 1  # one 30-second step either way
# Only exactly six ASCII digits: pyotp compares after Unicode normalisation, so "١٢٣٤٥٦" would otherwise pass.
_SIX_ASCII_DIGITS = re.compile(r"[0-9]{6}")


def new_secret(tokens: Tokens) -> str:
    """A base32 secret of 160 bits drawn from the token seam (32 characters, no padding)."""
    token = tokens.opaque(SECRET_BYTES)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    return base64.b32encode(raw).decode()


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str, *, title: str) -> str:
    """The URI as an inline SVG QR code, drawn here (no third-party image service ever sees the secret)."""
    return segno.make(uri, error="m").svg_inline(scale=5, light="#fff", svgclass="qr", title=title)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def looks_like_totp(code: str) -> bool:
    return bool(_SIX_ASCII_DIGITS.fullmatch(code))


def matching_step(secret: str, code: str, at: datetime, *, after: int) -> int | None:
    """The newest time step within the drift window, later than `after`, whose code is `code`; else None."""
    if not looks_like_totp(code):
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(at)
    for offset in range(DRIFT_STEPS, -DRIFT_STEPS - 1, -1):
        step = now_step + offset
        if step > after and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
