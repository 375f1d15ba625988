"""MFA's SQL that other capabilities compose into their own statements, so only this package knows its tables
(detection's one read of an account's history asks when the second factor last changed and whether one is on)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from recovery.mfa.models import ACTIVE, TotpAuthenticator


def active_confirmed_at(user_id: ColumnElement[int]):
    """When the account's active authenticator was confirmed (NULL without one), as a scalar subquery."""
    return (select(TotpAuthenticator.confirmed_at)
            .where(TotpAuthenticator.user_id == user_id, TotpAuthenticator.state == ACTIVE)
            .scalar_subquery())


def has_active(user_id: ColumnElement[int]):
    """Whether an authenticator is active (what accounts.has_second_factor asks), as an EXISTS."""
    return select(TotpAuthenticator.id).where(TotpAuthenticator.user_id == user_id,
                                              TotpAuthenticator.state == ACTIVE).exists()
