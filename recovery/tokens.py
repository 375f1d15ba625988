"""The randomness seam and keyed hashing: opaque tokens, numeric codes, HMAC digests compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Protocol


class Randomness(Protocol):
    def token_bytes(self, n: int) -> bytes: ...
    def randbelow(self, n: int) -> int: ...


class SystemRandomness:
    def token_bytes(self, n: int) -> bytes:
        return secrets.token_bytes(n)

    def randbelow(self, n: int) -> int:
        return secrets.randbelow(n)


class Tokens:
    """Generates secrets from an injected source of randomness and digests them with a server key.

    Stored digests are HMAC-SHA256 under a key derived from the secret key, so a database dump alone
    cannot confirm a guessed token.
    """

    def __init__(self, secret_key: str, randomness: Randomness | None = None) -> None:
        self._random = randomness or SystemRandomness()
        self._key = hashlib.sha256(b"recovery-token-digest|" + secret_key.encode()).digest()

    def opaque(self, nbytes: int = 32) -> str:
        """A URL-safe token of nbytes of randomness (default 256 bits)."""
        return base64.urlsafe_b64encode(self._random.token_bytes(nbytes)).rstrip(b"=").decode()

    def numeric_code(self, digits: int = 8) -> str:
        return str(self._random.randbelow(10**digits)).zfill(digits)

    def digest(self, value: str, purpose: str) -> str:
        message = f"{purpose}|{value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def matches(self, value: str, purpose: str, stored_digest: str) -> bool:
        return hmac.compare_digest(self.digest(value, purpose), stored_digest)

    def key_for(self, value: str, purpose: str) -> str:
        """A short stable pseudonym (e.g. a rate-limit key for an email) that does not reveal the value."""
        return self.digest(value, purpose)[:32]
