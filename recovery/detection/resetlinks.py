"""Password-reset links that detection emails itself: in the temporary-lock email (the reset lifts the lock)
and in the containment email (the stolen-account case).

They are ordinary reset links of recovery/reset - the same signed token, the same `password_resets` row, so
single use, expiry, revocation and "a newer link retires the oldest" hold for them too - issued here because
the reset capability only emails its own template, and never a link to a non-active account.
"""

from __future__ import annotations

from sqlalchemy import select, update

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.reset.models import PasswordReset
from recovery.reset.policy import reset_policy
from recovery.reset.tokens import issue_token


def issue_reset_link(ctx: ServiceContext, user: User, endpoint: str) -> str:
    """A live link to `endpoint` (a page taking `token`), retiring the oldest beyond the live-link limit."""
    policy = reset_policy(ctx.settings)
    live = (PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None), PasswordReset.revoked_at.is_(None))
    newest = select(PasswordReset.id).where(*live).order_by(PasswordReset.id.desc()).limit(
        max(policy.max_live_links - 1, 0))
    ctx.session.execute(update(PasswordReset).where(*live, PasswordReset.id.not_in(newest))
                        .values(revoked_at=ctx.clock.now(), revoked_reason="replaced")
                        .execution_options(synchronize_session=False))
    now = ctx.clock.now()
    issued = issue_token(ctx, user.password_hash)
    ctx.session.add(PasswordReset(id_digest=issued.id_digest, user_id=user.id, created_at=now,
                                  expires_at=now + policy.token_lifetime, requester_ip=ctx.actor.ip))
    return ctx.link(endpoint, token=issued.token)
