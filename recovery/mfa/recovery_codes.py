"""Recovery codes: 10 single-use codes of 80 bits (16 base32 characters, read as 4-4-4-4), stored only as HMACs.

A set is replaced whole; using a code is one conditional UPDATE, so a code works once even under concurrency.
"""

from __future__ import annotations

import base64
import json
import re

from sqlalchemy import delete, func, select, update

from recovery import crypto
from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.db import rowcount
from recovery.errors import N_, TokenInvalid
from recovery.mfa.models import RecoveryCode

COUNT = 10
CODE_BYTES = 10  # 80 bits (NIST asks at least 64 for a look-up secret)
WARN_AT = 2  # the security page warns when this many or fewer remain
SHEET_MINUTES = 15  # how long the page that showed the codes can still download or print them
_PLAIN = re.compile(r"[A-Z2-7]{16}")
# Characters people type for the base32 letters they resemble; separators people add while copying.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
_SEPARATORS = re.compile(r"[\s\-]+")


def _purpose(user_id: int) -> str:
    return f"mfa-recovery-code|{user_id}"  # binds each digest to its account


def new_code(ctx: ServiceContext) -> str:
    token = ctx.tokens.opaque(CODE_BYTES)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    return base64.b32encode(raw).decode()


def readable(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise(code: str) -> str | None:
    """The canonical 16 characters of something typed as a recovery code, or None when it cannot be one."""
    if len(code) > 64 or not code.isascii():
        return None
    plain = _SEPARATORS.sub("", code).upper().translate(_LOOKALIKES)
    return plain if _PLAIN.fullmatch(plain) else None


def replace_codes(ctx: ServiceContext, user: User) -> list[str]:
    """Void every code of the account and issue a fresh set; returns them readable, the only time they exist."""
    delete_codes(ctx, user.id)
    now = ctx.clock.now()
    codes = [new_code(ctx) for _ in range(COUNT)]
    ctx.session.add_all(RecoveryCode(user_id=user.id, code_digest=ctx.tokens.digest(code, _purpose(user.id)),
                                     created_at=now) for code in codes)
    ctx.session.flush()
    return [readable(code) for code in codes]


def use_code(ctx: ServiceContext, user: User, typed: str) -> bool:
    """Spend the code once: True only for the one request whose UPDATE marked it used."""
    code = normalise(typed)
    if code is None:
        return False
    result = ctx.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_digest == ctx.tokens.digest(code, _purpose(user.id)),
               RecoveryCode.used_at.is_(None))
        .values(used_at=ctx.clock.now()).execution_options(synchronize_session=False))
    return rowcount(result) == 1


def remaining(ctx: ServiceContext, user_id: int) -> int:
    return ctx.session.scalar(select(func.count()).select_from(RecoveryCode)
                              .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))) or 0


def delete_codes(ctx: ServiceContext, user_id: int) -> int:
    result = ctx.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id)
                                 .execution_options(synchronize_session=False))
    return rowcount(result)


class SheetExpired(TokenInvalid):
    code = "recovery_codes_sheet_expired"
    message = N_("These codes can no longer be downloaded or printed here. If you did not save them, "
                 "make a new set.")


def seal_sheet(ctx: ServiceContext, user: User, codes: list[str]) -> str:
    """The codes just shown, encrypted for the same page's "download" and "print" buttons (never stored)."""
    payload = json.dumps({"user": user.id, "codes": codes})
    return crypto.seal(ctx.settings, payload, ctx.clock.now())


def open_sheet(ctx: ServiceContext, user: User, sheet: str) -> list[str]:
    """The codes of a sealed sheet of this user, for SHEET_MINUTES; SheetExpired otherwise."""
    try:
        payload = json.loads(crypto.open_sealed(ctx.settings, sheet, ctx.clock.now(),
                                                max_age_seconds=SHEET_MINUTES * 60))
    except (crypto.InvalidToken, ValueError):
        raise SheetExpired() from None
    if not isinstance(payload, dict) or payload.get("user") != user.id or not isinstance(payload.get("codes"), list):
        raise SheetExpired()
    return [str(code) for code in payload["codes"]]
