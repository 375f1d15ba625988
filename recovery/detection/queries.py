"""The bounded reads scoring makes: each is limited by time and row count and served by a named index, so an
attempt costs the same whether the table holds a thousand rows or a billion."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Float, cast, distinct, func, literal, null, select, union_all

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.detection.models import KnownDevice, SigninAttempt
from recovery.detection.policy import DetectionPolicy
from recovery.detection.rules import History, Seen, SourceCounts

_DISTINCT_SCAN = 500  # recent failures read to count distinct accounts per source


def _bounded_count(*where, limit: int):
    """COUNT(*) of at most `limit` matching rows, as a scalar subquery (an index range, never the whole table)."""
    inner = select(SigninAttempt.id).where(*where).limit(limit).subquery()
    return select(func.count()).select_from(inner).scalar_subquery()


def _distinct_accounts(*where, limit: int):
    """Distinct accounts among the `limit` newest matching rows, as a scalar subquery."""
    keys = (select(SigninAttempt.account_key).where(*where).order_by(SigninAttempt.created_at.desc())
            .limit(limit).subquery())
    return select(func.count(distinct(keys.c.account_key))).scalar_subquery()


def source_counts(ctx: ServiceContext, ip: str | None, network: str | None, now: datetime,
                  policy: DetectionPolicy) -> SourceCounts:
    """Failures from this IP (24 hours) and distinct accounts failed from this IP and network (1 hour).

    One statement: it runs before every password check, so its round trips are paid by every sign-in.
    """
    if not ip:
        return SourceCounts()
    failed = SigninAttempt.outcome == "failure"
    day, hour = now - timedelta(hours=24), now - timedelta(hours=1)
    scan = max(_DISTINCT_SCAN, policy.network_accounts * 10)
    network_accounts = _distinct_accounts(SigninAttempt.network == network, failed,
                                          SigninAttempt.created_at >= hour, limit=scan) if network else literal(0)
    row = ctx.session.execute(select(
        _bounded_count(SigninAttempt.ip == ip, failed, SigninAttempt.created_at >= day,
                       limit=policy.stuffing_ip_failures),
        _distinct_accounts(SigninAttempt.ip == ip, failed, SigninAttempt.created_at >= hour, limit=scan),
        network_accounts)).one()
    return SourceCounts(ip_failures=row[0] or 0, ip_accounts=row[1] or 0, network_accounts=row[2] or 0)


def _seen(row) -> Seen:
    return Seen(at=row.at, network=row.network, country=row.country, asn=row.asn, latitude=row.latitude,
                longitude=row.longitude)


def _recent_places(user_id: int, since: datetime, rows: int):
    """The account's last `rows` successes reduced to what the rules compare with: one row per
    (country, network, ASN) at its latest time, plus the latest success that has coordinates (impossible
    travel). The database groups them, so an active account costs a handful of rows, not hundreds."""
    recent = (select(SigninAttempt.created_at, SigninAttempt.country, SigninAttempt.network, SigninAttempt.asn,
                     SigninAttempt.latitude, SigninAttempt.longitude)
              .where(SigninAttempt.user_id == user_id, SigninAttempt.outcome == "success",
                     SigninAttempt.created_at >= since)
              .order_by(SigninAttempt.created_at.desc()).limit(rows).cte("recent"))
    places = (select(func.max(recent.c.created_at).label("at"), recent.c.country, recent.c.network, recent.c.asn,
                     cast(null(), Float).label("latitude"), cast(null(), Float).label("longitude"))
              .group_by(recent.c.country, recent.c.network, recent.c.asn))
    located = (select(recent.c.created_at.label("at"), recent.c.country, recent.c.network, recent.c.asn,
                      recent.c.latitude, recent.c.longitude)
               .where(recent.c.latitude.is_not(None), recent.c.longitude.is_not(None))
               .order_by(recent.c.created_at.desc()).limit(1).subquery())
    return union_all(places, select(located)).subquery()


def account_history(ctx: ServiceContext, user: User, device_key: str | None, now: datetime,
                    policy: DetectionPolicy) -> History:
    """What scoring compares a correct password with, in two statements whatever the tables hold: the places
    of recent successes, then whether the device is known, recent failures and the second factor's last change."""
    places = _recent_places(user.id, now - policy.history, policy.history_rows)
    seen = ctx.session.execute(select(places).order_by(places.c.at.desc())).all()
    known_device = (select(KnownDevice.id).where(KnownDevice.user_id == user.id,
                                                 KnownDevice.device_key == device_key).scalar_subquery()
                    if device_key is not None else null())
    failures = _bounded_count(SigninAttempt.user_id == user.id, SigninAttempt.outcome == "failure",
                              SigninAttempt.created_at >= now - policy.failures_window, limit=1000)
    known, recent_failures, mfa_change = ctx.session.execute(
        select(known_device, failures, _mfa_changed_at(user.id))).one()
    return History(successes=tuple(_seen(row) for row in seen),
                   known_devices=frozenset({device_key}) if known is not None else frozenset(),
                   recent_failures=recent_failures or 0,
                   credential_changed_at=_credential_change(user, mfa_change, now, policy))


def _credential_change(user: User, mfa_change: datetime | None, now: datetime,
                       policy: DetectionPolicy) -> datetime | None:
    """The latest password change or reset (on the user row) or second-factor change, within the window."""
    changes = [mfa_change] if mfa_change is not None else []
    if user.password_changed_at and user.password_changed_at - user.created_at > timedelta(seconds=1):
        changes.append(user.password_changed_at)
    recent = [at for at in changes if now - at <= policy.recent_change]
    return max(recent) if recent else None


def _mfa_changed_at(user_id: int):
    """When the active authenticator was confirmed, as a scalar subquery (NULL without the MFA capability)."""
    try:
        from recovery.mfa.models import ACTIVE, TotpAuthenticator
    except ImportError:  # the MFA capability is optional to detection
        return null()
    return (select(TotpAuthenticator.confirmed_at)
            .where(TotpAuthenticator.user_id == user_id, TotpAuthenticator.state == ACTIVE).scalar_subquery())


def recent_signins(ctx: ServiceContext, user_id: int, *, limit: int = 20) -> list[SigninAttempt]:
    """The account's latest attempts, every outcome, for its security page and a containment ticket."""
    return list(ctx.session.scalars(select(SigninAttempt).where(SigninAttempt.user_id == user_id)
                                    .order_by(SigninAttempt.created_at.desc(), SigninAttempt.id.desc())
                                    .limit(limit)))


def known_devices(ctx: ServiceContext, user_id: int, *, limit: int = 50) -> list[KnownDevice]:
    return list(ctx.session.scalars(select(KnownDevice).where(KnownDevice.user_id == user_id)
                                    .order_by(KnownDevice.last_seen_at.desc()).limit(limit)))
