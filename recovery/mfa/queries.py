"""MFA's SQL that another capability composes into a statement of its own, so only this package names its tables
(detection's one history read after a correct password asks whether an authenticator is active)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, select

from recovery.mfa.models import ACTIVE, TotpAuthenticator
from recovery.passkeys.queries import has_any as has_passkey


def has_active(user_id: ColumnElement[int]) -> ColumnElement[bool]:
    """Whether the account has an active authenticator or a passkey, as EXISTS (an index probe each)."""
    return exists(select(TotpAuthenticator.id).where(TotpAuthenticator.user_id == user_id,
                                                     TotpAuthenticator.state == ACTIVE)) | has_passkey(user_id)
