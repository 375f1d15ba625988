"""Encryption at rest for every capability (TOTP and webhook secrets): Fernet under RECOVERY_ENCRYPTION_KEYS.

Keys are listed newest first, so they rotate without downtime.
Encryption always uses the newest key; decryption tries every configured key. Rotation re-encrypts each secret
under the newest key, after which the older keys can be removed from the setting. Times come from the caller's
clock (Fernet tokens carry their creation time; the sealed recovery-code sheet has a lifetime).
"""

from __future__ import annotations

from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from recovery.settings import Settings

__all__ = ["InvalidToken", "open_sealed", "reencrypt", "seal", "unseal"]


def _keys(settings: Settings) -> MultiFernet:
    if not settings.encryption_keys:
        raise RuntimeError("RECOVERY_ENCRYPTION_KEYS holds no key")
    return MultiFernet([Fernet(key.encode()) for key in settings.encryption_keys])


def seal(settings: Settings, plaintext: str, now: datetime) -> str:
    """Encrypt under the newest key."""
    return _keys(settings).encrypt_at_time(plaintext.encode(), int(now.timestamp())).decode()


def unseal(settings: Settings, token: str) -> str:
    """Decrypt with whichever configured key made it; InvalidToken when none did (a removed key, tampering)."""
    return _keys(settings).decrypt(token.encode()).decode()


def open_sealed(settings: Settings, token: str, now: datetime, *, max_age_seconds: int) -> str:
    """Decrypt a short-lived token (InvalidToken when older than max_age_seconds by the caller's clock)."""
    return _keys(settings).decrypt_at_time(token.encode(), max_age_seconds, int(now.timestamp())).decode()


def reencrypt(settings: Settings, token: str, now: datetime) -> str:
    """The same secret under the newest key."""
    return seal(settings, unseal(settings, token), now)
