"""Server-side sessions: start (rotating), authenticate with idle and absolute timeouts, list, revoke.

```mermaid
stateDiagram-v2
    [*] --> active: start_session (password [+ second factor])
    active --> active: authenticate (touch last_seen_at, at most once a minute)
    active --> expired: idle > session_idle_minutes or now > expires_at
    active --> revoked: sign-out, revoke one, revoke all, password change, account status change
```
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, select, update

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.db import Row, loaded, read_alone, rowcount, write_together
from recovery.errors import NotFound
from recovery.events.service import new_event, record_event
from recovery.sessions.models import UserSession

_TOKEN_PURPOSE = "session"  # noqa: S105 - a digest label, not a secret
_TOUCH_EVERY = timedelta(minutes=1)


def start_session(ctx: ServiceContext, user_id: int, *, kind: str, mfa_passed: bool = False,
                  replaces: UserSession | None = None) -> tuple[UserSession, str]:
    """A new session with a fresh secret; the one it replaces (same browser) is revoked, so ids rotate."""
    session, token, rows = new_session(ctx, user_id, kind=kind, mfa_passed=mfa_passed, replaces=replaces)
    write_together(ctx.session, rows)
    return session, token


def new_session(ctx: ServiceContext, user_id: int, *, kind: str, mfa_passed: bool = False,
                replaces: UserSession | None = None) -> tuple[UserSession, str, list[Row]]:
    """start_session's session, secret and rows (the session and its event), for a flow that writes them with
    rows of its own in one statement (`db.write_together`: the sign-in's attempt, device and decision)."""
    if replaces is not None and replaces.revoked_at is None:
        _revoke(ctx, replaces, "rotated")
    now = ctx.clock.now()
    token = ctx.tokens.opaque(32)
    session = UserSession(
        id=str(uuid.uuid4()), token_digest=ctx.tokens.digest(token, _TOKEN_PURPOSE), user_id=user_id, kind=kind,
        created_at=now, last_seen_at=now, authenticated_at=now, mfa_passed=mfa_passed,
        expires_at=now + timedelta(hours=ctx.settings.session_absolute_hours),
        ip=ctx.actor.ip, user_agent=(ctx.actor.user_agent or "")[:512] or None, revoked_at=None,
        revoked_reason=None)
    started = new_event(ctx, "session.started", user_id=user_id, actor=ctx.actor.as_user(user_id),
                        session_id=session.id, kind=kind)
    return session, token, [Row.of(session), Row.of(started)]


def mark_mfa_passed(ctx: ServiceContext, session: UserSession) -> None:
    """This session has just proved the account's second factor (the one that confirmed a new authenticator)."""
    session.mfa_passed = True


# A presented secret's session and its account, as columns, in one statement built once (each request binds
# its digest): the session's columns first, then the account's.
_SESSIONS, _USERS = cast(Table, UserSession.__table__), cast(Table, User.__table__)
_SESSION_AND_ACCOUNT = (select(*_SESSIONS.c, *_USERS.c).join(_USERS, _USERS.c.id == _SESSIONS.c.user_id)
                        .where(_SESSIONS.c.token_digest == bindparam("digest")))
_SESSION_KEYS, _USER_KEYS = tuple(_SESSIONS.c.keys()), tuple(_USERS.c.keys())


def authenticate(ctx: ServiceContext, token: str) -> tuple[UserSession, User] | None:
    """The live session behind a secret with its account, or None when unknown, revoked, idle too long or past
    its end. The account is read with the session, not checked: whether it may act is the caller's to say.

    Read alone (`db.read_alone`: no transaction of the request's, on PostgreSQL no BEGIN or COMMIT) and built
    without the ORM's load (`db.loaded`), then put in the request's session as if it had loaded them, so a page
    that only reads begins no transaction for who is asking, and a change to either (the touch below, a time
    zone, a re-authentication) is flushed with the request's commit like any loaded row's."""
    digest = ctx.tokens.digest(token, _TOKEN_PURPOSE)
    found = read_alone(ctx.session, _SESSION_AND_ACCOUNT, {"digest": digest})
    if not found:
        return None
    row, width = found[0], len(_SESSION_KEYS)
    session = loaded(UserSession, dict(zip(_SESSION_KEYS, row[:width], strict=True)))
    if not is_live(ctx, session):
        return None
    user = loaded(User, dict(zip(_USER_KEYS, row[width:], strict=True)))
    ctx.session.add_all((session, user))  # persistent now: no statement, no transaction
    now = ctx.clock.now()
    if now - session.last_seen_at >= _TOUCH_EVERY:
        session.last_seen_at = now
    return session, user


def is_live(ctx: ServiceContext, session: UserSession) -> bool:
    now = ctx.clock.now()
    idle_limit = timedelta(minutes=ctx.settings.session_idle_minutes)
    return session.revoked_at is None and now < session.expires_at and now - session.last_seen_at < idle_limit


def is_recently_authenticated(ctx: ServiceContext, session: UserSession) -> bool:
    return ctx.clock.now() - session.authenticated_at < timedelta(minutes=ctx.settings.reauth_minutes)


def mark_reauthenticated(ctx: ServiceContext, session: UserSession) -> None:
    session.authenticated_at = ctx.clock.now()
    record_event(ctx, "session.reauthenticated", user_id=session.user_id, session_id=session.id)


def list_active_sessions(ctx: ServiceContext, user_id: int) -> list[UserSession]:
    query = (select(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
             .order_by(UserSession.last_seen_at.desc()))
    return [s for s in ctx.session.scalars(query) if is_live(ctx, s)]


def oldest_live_start(ctx: ServiceContext, user_id: int) -> datetime | None:
    """When the oldest of the user's live sessions began (None when none is live): since then, whoever holds one
    of them could act on the account (containment removes the second factors added since)."""
    starts = [session.created_at for session in list_active_sessions(ctx, user_id)]
    return min(starts) if starts else None


def recent_sessions(ctx: ServiceContext, user_id: int, *, limit: int) -> list[UserSession]:
    """The user's newest sessions, ended ones included, newest first (timelines, identity checks)."""
    query = (select(UserSession).where(UserSession.user_id == user_id)
             .order_by(UserSession.created_at.desc()).limit(limit))
    return list(ctx.session.scalars(query))


def end_session(ctx: ServiceContext, session: UserSession) -> None:
    """Sign-out of the session in hand."""
    _revoke(ctx, session, "signed_out")
    record_event(ctx, "session.signed_out", user_id=session.user_id, session_id=session.id)


def revoke_session(ctx: ServiceContext, user_id: int, session_id: str) -> None:
    """Revoke one of `user_id`'s sessions; another user's session id is simply not found."""
    session = ctx.session.scalar(select(UserSession).where(UserSession.id == session_id,
                                                           UserSession.user_id == user_id,
                                                           UserSession.revoked_at.is_(None)))
    if session is None:
        raise NotFound()
    _revoke(ctx, session, "revoked")
    record_event(ctx, "session.revoked", user_id=user_id, session_id=session_id)


def revoke_all_sessions(ctx: ServiceContext, user_id: int, *, reason: str, keep: str | None = None) -> int:
    """Revoke every live session of the user (but `keep`, for "sign out everywhere else"); one event."""
    query = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep)
    result = ctx.session.execute(query.values(revoked_at=ctx.clock.now(), revoked_reason=reason)
                                 .execution_options(synchronize_session="fetch"))
    record_event(ctx, "session.revoked_all", user_id=user_id, reason=reason, count=rowcount(result), kept=keep)
    return rowcount(result)


def _revoke(ctx: ServiceContext, session: UserSession, reason: str) -> None:
    session.revoked_at = ctx.clock.now()
    session.revoked_reason = reason
