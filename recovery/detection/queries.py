"""The bounded reads scoring makes: each is limited by time and row count and served by a named index, so an
attempt costs the same whether the table holds a thousand rows or a billion."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.detection.models import KnownDevice, SigninAttempt
from recovery.detection.policy import DetectionPolicy
from recovery.detection.rules import History, Seen, SourceCounts

_DISTINCT_SCAN = 500  # recent failures read to count distinct accounts per source


def _bounded_count(ctx: ServiceContext, *where, limit: int) -> int:
    inner = select(SigninAttempt.id).where(*where).limit(limit).subquery()
    return ctx.session.scalar(select(func.count()).select_from(inner)) or 0


def _distinct_accounts(ctx: ServiceContext, *where, limit: int) -> int:
    keys = ctx.session.scalars(select(SigninAttempt.account_key).where(*where)
                               .order_by(SigninAttempt.created_at.desc()).limit(limit))
    return len(set(keys))


def source_counts(ctx: ServiceContext, ip: str | None, network: str | None, now: datetime,
                  policy: DetectionPolicy) -> SourceCounts:
    """Failures from this IP (24 hours) and distinct accounts failed from this IP and network (1 hour)."""
    if not ip:
        return SourceCounts()
    failed = SigninAttempt.outcome == "failure"
    day, hour = now - timedelta(hours=24), now - timedelta(hours=1)
    scan = max(_DISTINCT_SCAN, policy.network_accounts * 10)
    ip_failures = _bounded_count(ctx, SigninAttempt.ip == ip, failed, SigninAttempt.created_at >= day,
                                 limit=policy.stuffing_ip_failures)
    ip_accounts = _distinct_accounts(ctx, SigninAttempt.ip == ip, failed, SigninAttempt.created_at >= hour,
                                     limit=scan)
    network_accounts = _distinct_accounts(ctx, SigninAttempt.network == network, failed,
                                          SigninAttempt.created_at >= hour, limit=scan) if network else 0
    return SourceCounts(ip_failures=ip_failures, ip_accounts=ip_accounts, network_accounts=network_accounts)


def _seen(row) -> Seen:
    return Seen(at=row.created_at, ip=row.ip, network=row.network, country=row.country, asn=row.asn,
                latitude=row.latitude, longitude=row.longitude, device_key=row.device_key)


def account_history(ctx: ServiceContext, user: User, device_key: str | None, now: datetime,
                    policy: DetectionPolicy) -> History:
    columns = (SigninAttempt.created_at, SigninAttempt.ip, SigninAttempt.network, SigninAttempt.country,
               SigninAttempt.asn, SigninAttempt.latitude, SigninAttempt.longitude, SigninAttempt.device_key)
    successes = ctx.session.execute(
        select(*columns).where(SigninAttempt.user_id == user.id, SigninAttempt.outcome == "success",
                               SigninAttempt.created_at >= now - policy.history)
        .order_by(SigninAttempt.created_at.desc()).limit(policy.history_rows)).all()
    known = device_key is not None and ctx.session.scalar(
        select(KnownDevice.id).where(KnownDevice.user_id == user.id, KnownDevice.device_key == device_key)
    ) is not None
    failures = _bounded_count(ctx, SigninAttempt.user_id == user.id, SigninAttempt.outcome == "failure",
                              SigninAttempt.created_at >= now - policy.failures_window, limit=1000)
    return History(successes=tuple(_seen(row) for row in successes),
                   known_devices=frozenset({device_key}) if known else frozenset(),
                   recent_failures=failures, credential_changed_at=_credential_change(ctx, user, now, policy))


def _credential_change(ctx: ServiceContext, user: User, now: datetime, policy: DetectionPolicy) -> datetime | None:
    """The latest password change or reset (on the user row) or second-factor change, within the window."""
    changes = []
    if user.password_changed_at and user.password_changed_at - user.created_at > timedelta(seconds=1):
        changes.append(user.password_changed_at)
    mfa_change = _mfa_changed_at(ctx, user.id)
    if mfa_change is not None:
        changes.append(mfa_change)
    recent = [at for at in changes if now - at <= policy.recent_change]
    return max(recent) if recent else None


def _mfa_changed_at(ctx: ServiceContext, user_id: int) -> datetime | None:
    try:
        from recovery.mfa.models import ACTIVE, TotpAuthenticator
    except ImportError:  # the MFA capability is optional to detection
        return None
    return ctx.session.scalar(select(TotpAuthenticator.confirmed_at).where(TotpAuthenticator.user_id == user_id,
                                                                           TotpAuthenticator.state == ACTIVE))


def recent_signins(ctx: ServiceContext, user_id: int, *, limit: int = 20) -> list[SigninAttempt]:
    """The account's latest attempts, every outcome, for its security page and a containment ticket."""
    return list(ctx.session.scalars(select(SigninAttempt).where(SigninAttempt.user_id == user_id)
                                    .order_by(SigninAttempt.created_at.desc(), SigninAttempt.id.desc())
                                    .limit(limit)))


def known_devices(ctx: ServiceContext, user_id: int, *, limit: int = 50) -> list[KnownDevice]:
    return list(ctx.session.scalars(select(KnownDevice).where(KnownDevice.user_id == user_id)
                                    .order_by(KnownDevice.last_seen_at.desc()).limit(limit)))
