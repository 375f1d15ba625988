"""The link's token: a signed payload holding a random id (kept only as an HMAC) and a tag of the password hash.

itsdangerous signs it with a purpose-specific salt, so no other signed value of the service (cookies, other
links) can stand in for it. Its timestamp comes from the injected clock, so expiry is testable with a frozen
clock; the stored expires_at is checked as well, because the row, not the token, is the authority.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from recovery.context import ServiceContext
from recovery.reset.errors import ResetLinkExpired, ResetLinkInvalid
from recovery.reset.policy import reset_policy

SALT = "recovery.password-reset.v1"
ID_PURPOSE = "password-reset-id"
_BINDING_PURPOSE = "password-reset-binding"
_ID_BYTES = 16  # 128 bits of randomness, as SECURITY.md asks
_MAX_TOKEN_LENGTH = 512


@dataclass(frozen=True)
class IssuedToken:
    token: str  # goes into the emailed link only
    id_digest: str  # what the database keeps


@dataclass(frozen=True)
class ReadToken:
    id_digest: str
    password_tag: str


def _serializer(ctx: ServiceContext) -> URLSafeTimedSerializer:
    clock = ctx.clock

    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock.now().timestamp())

    return URLSafeTimedSerializer(ctx.settings.secret_key, salt=SALT, signer=ClockSigner)


def password_tag(ctx: ServiceContext, password_hash: str) -> str:
    """A short keyed tag of the current hash: any password change (or rehash) makes older links fail."""
    return ctx.tokens.digest(password_hash, _BINDING_PURPOSE)[:22]


def issue_token(ctx: ServiceContext, password_hash: str) -> IssuedToken:
    reset_id = ctx.tokens.opaque(_ID_BYTES)
    token = _serializer(ctx).dumps({"r": reset_id, "p": password_tag(ctx, password_hash)})
    return IssuedToken(token=str(token), id_digest=ctx.tokens.digest(reset_id, ID_PURPOSE))


def read_token(ctx: ServiceContext, token: object) -> ReadToken:
    """The verified contents of a token; ResetLinkInvalid when tampered, ResetLinkExpired when too old."""
    if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN_LENGTH:
        raise ResetLinkInvalid()
    max_age = int(reset_policy(ctx.settings).token_lifetime.total_seconds())
    try:
        payload = _serializer(ctx).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ResetLinkExpired() from exc
    except BadData as exc:
        raise ResetLinkInvalid() from exc
    if not (isinstance(payload, dict) and isinstance(payload.get("r"), str)
            and isinstance(payload.get("p"), str)):
        raise ResetLinkInvalid()
    return ReadToken(id_digest=ctx.tokens.digest(payload["r"], ID_PURPOSE), password_tag=payload["p"])


def tag_matches(ctx: ServiceContext, read: ReadToken, password_hash: str) -> bool:
    return hmac.compare_digest(read.password_tag, password_tag(ctx, password_hash))
