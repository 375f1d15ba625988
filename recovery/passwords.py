"""Password hashing with argon2id: bounded concurrency, rehash on parameter change, equal time for unknown users."""

from __future__ import annotations

import threading
import unicodedata

from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


def normalise_password(password: str) -> str:
    """NFC, as NIST 800-63B asks, so the same password typed on two keyboards hashes the same."""
    return unicodedata.normalize("NFC", password)


class PasswordHasher:
    def __init__(self, *, time_cost: int, memory_cost: int, parallelism: int, max_concurrent: int) -> None:
        self._argon2 = Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism,
                                    hash_len=32, salt_len=16, type=Type.ID)
        # Each hash takes memory_cost KiB: a cap keeps a burst of sign-ins from exhausting memory.
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._dummy_hash = self._argon2.hash("recovery-dummy-password-for-equal-timing")

    def hash(self, password: str) -> str:
        with self._slots:
            return self._argon2.hash(normalise_password(password))

    def verify(self, stored_hash: str, password: str) -> bool:
        with self._slots:
            try:
                return self._argon2.verify(stored_hash, normalise_password(password))
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

    def verify_dummy(self, password: str) -> None:
        """Spend the same time as a real verification when there is no account, so timing reveals nothing."""
        self.verify(self._dummy_hash, password)

    def needs_rehash(self, stored_hash: str) -> bool:
        try:
            return self._argon2.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True
