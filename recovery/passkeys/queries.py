"""The passkeys capability's SQL that another capability composes into a statement of its own, so only this
package names its tables (MFA's "is there a second factor" read, and through it detection's history)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import InstrumentedAttribute

from recovery.passkeys.models import Passkey


def has_any(user_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """Whether the account holds a passkey, as an EXISTS (one probe of ix_passkeys_user)."""
    return exists(select(Passkey.id).where(Passkey.user_id == user_id))


def first_added(user_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ColumnElement:
    """When the account's oldest passkey was added (NULL without one), as a scalar subquery."""
    return select(func.min(Passkey.created_at)).where(Passkey.user_id == user_id).scalar_subquery()
