"""The bounded reads scoring makes: each is limited by time and row count and served by a named index, so an
attempt costs the same whether the table holds a thousand rows or a billion."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import cast as cast_type

from sqlalchemy import Float, Table, bindparam, case, cast, distinct, func, literal, null, select, true, union_all

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.db import loaded, read_alone
from recovery.detection.models import KnownDevice, SigninAttempt, SigninLock
from recovery.detection.policy import DetectionPolicy
from recovery.detection.rules import History, LockState, Seen, SourceCounts
from recovery.mfa import queries as mfa_queries

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


# The statements below run on every sign-in: each is built once per policy (bound parameters carry the
# values), because building and cache-keying these nested selects anew cost more CPU than running them.

@lru_cache(maxsize=8)
def _source_counts_statement(ip_failures: int, scan: int, with_network: bool):
    failed, since_day, since_hour = (SigninAttempt.outcome == "failure", SigninAttempt.created_at >= bindparam("day"),
                                     SigninAttempt.created_at >= bindparam("hour"))
    network = _distinct_accounts(SigninAttempt.network == bindparam("network"), failed, since_hour, limit=scan)
    return select(_bounded_count(SigninAttempt.ip == bindparam("ip"), failed, since_day, limit=ip_failures),
                  _distinct_accounts(SigninAttempt.ip == bindparam("ip"), failed, since_hour, limit=scan),
                  network if with_network else literal(0))


_USER = cast_type(Table, User.__table__)
_LOCK = cast_type(Table, SigninLock.__table__)
_LOCK_STATE = ("failures", "locks", "locked_until", "last_failure_at", "password_disabled_at")


@lru_cache(maxsize=8)
def _source_counts_and_account_statement(ip_failures: int, scan: int, with_network: bool):
    """The source counts' single row LEFT JOINed to the account an address names and to its lock row: columns,
    not entities (read alone, not through the session), the lock's after the account's in _LOCK_STATE's order."""
    counts = _source_counts_statement(ip_failures, scan, with_network).subquery()
    return (select(*counts.c, *_USER.c, *(_LOCK.c[name] for name in _LOCK_STATE)).select_from(counts)
            .outerjoin(_USER, _USER.c.email == bindparam("email"))
            .outerjoin(_LOCK, _LOCK.c.user_id == _USER.c.id))


def source_counts_and_account(ctx: ServiceContext, ip: str | None, network: str | None, email: str,
                              now: datetime, policy: DetectionPolicy
                              ) -> tuple[SourceCounts, User | None, LockState | None]:
    """source_counts and the account behind a normalised address with its lock state (None without a lock
    row): the password step's two reads before hashing, in one round trip (the same statement whether or not
    the address has an account, and whether or not the client has an IP: without one, nothing is counted).

    Read alone (`db.read_alone`: no transaction, on PostgreSQL the autocommit twin's connection) and the
    account built from its columns as a detached entity (`db.loaded`), without the ORM's load."""
    statement = _source_counts_and_account_statement(*_source_shape(policy, network))
    row = read_alone(ctx.session, statement, {**_source_params(ip, network, now), "email": email})[0]
    width = len(_USER.c)
    account = row[3:3 + width]
    if account[0] is None:
        return _counts_of(row), None, None
    user = loaded(User, dict(zip(_USER.c.keys(), account, strict=True)))
    lock = row[3 + width:]
    has_lock = lock[0] is not None  # failures: NOT NULL in a lock row
    return _counts_of(row), user, LockState(*lock) if has_lock else None


def source_counts(ctx: ServiceContext, ip: str | None, network: str | None, now: datetime,
                  policy: DetectionPolicy) -> SourceCounts:
    """Failures from this IP (24 hours) and distinct accounts failed from this IP and network (1 hour).

    One statement: it runs before every password check, so its round trips are paid by every sign-in.
    """
    if not ip:
        return SourceCounts()
    statement = _source_counts_statement(*_source_shape(policy, network))
    return _counts_of(ctx.session.execute(statement, _source_params(ip, network, now)).one())


def _source_shape(policy: DetectionPolicy, network: str | None) -> tuple[int, int, bool]:
    """What the source-count statements are built for: the IP's failure cap, the distinct-account scan and
    whether there is a network to count."""
    return policy.stuffing_ip_failures, max(_DISTINCT_SCAN, policy.network_accounts * 10), network is not None


def _source_params(ip: str | None, network: str | None, now: datetime) -> dict:
    return {"ip": ip, "network": network, "day": now - timedelta(hours=24), "hour": now - timedelta(hours=1)}


def _counts_of(row) -> SourceCounts:
    return SourceCounts(ip_failures=row[0] or 0, ip_accounts=row[1] or 0, network_accounts=row[2] or 0)


def _seen(row) -> Seen:
    return Seen(at=row.at, network=row.network, country=row.country, asn=row.asn, latitude=row.latitude,
                longitude=row.longitude)


@lru_cache(maxsize=8)
def _recent_places_statement(rows: int):
    """The account's last `rows` successes reduced to what the rules can tell apart for this attempt: one row
    per country at its latest time, carrying the attempt's network (and ASN) only where a success in that
    country came from it, plus the latest success that has coordinates (impossible travel). The database
    compares and groups, so the answer is a row per country whatever the account's history holds: an
    account that signed in from 200 networks no longer returns 200 rows for Python to compare."""
    recent = (select(SigninAttempt.created_at, SigninAttempt.country, SigninAttempt.network, SigninAttempt.asn,
                     SigninAttempt.latitude, SigninAttempt.longitude)
              .where(SigninAttempt.user_id == bindparam("user_id"), SigninAttempt.outcome == "success",
                     SigninAttempt.created_at >= bindparam("since"))
              .order_by(SigninAttempt.created_at.desc()).limit(rows).cte("recent"))
    places = (select(func.max(recent.c.created_at).label("at"), recent.c.country,
                     _when_equal(recent.c.network, "network"), _when_equal(recent.c.asn, "asn"),
                     cast(null(), Float).label("latitude"), cast(null(), Float).label("longitude"))
              .group_by(recent.c.country))
    located = (select(recent.c.created_at.label("at"), recent.c.country, recent.c.network, recent.c.asn,
                      recent.c.latitude, recent.c.longitude)
               .where(recent.c.latitude.is_not(None), recent.c.longitude.is_not(None))
               .order_by(recent.c.created_at.desc()).limit(1).subquery())
    both = union_all(places, select(located)).subquery()
    return select(both).order_by(both.c.at.desc())


def _when_equal(column, name: str):
    """The attempt's value (bound as `name`) when any grouped row has it, else NULL."""
    return func.max(case((column == bindparam(name), column))).label(name)


@lru_cache(maxsize=8)
def _history_extras_statement(failures_limit: int, with_device: bool):
    """Whether the device is known, the recent failures and whether an authenticator is active: one row."""
    known_device = (select(KnownDevice.id).where(KnownDevice.user_id == bindparam("user_id"),
                                                 KnownDevice.device_key == bindparam("device_key")).scalar_subquery()
                    if with_device else null())
    failures = _bounded_count(SigninAttempt.user_id == bindparam("user_id"), SigninAttempt.outcome == "failure",
                              SigninAttempt.created_at >= bindparam("failures_since"), limit=failures_limit)
    return select(known_device.label("known_device"), failures.label("recent_failures"),
                  mfa_queries.has_active(bindparam("user_id")).label("mfa_active"))


@lru_cache(maxsize=8)
def _history_statement(rows: int, failures_limit: int, with_device: bool):
    """The two reads above in one round trip: the extras' single row joined to every place, or to one row of
    NULL places when the account has no recent success."""
    places = _recent_places_statement(rows).subquery()
    extras = _history_extras_statement(failures_limit, with_device).subquery()
    return (select(extras, places).select_from(extras.outerjoin(places, true()))
            .order_by(places.c.at.desc().nulls_last()))


def account_history(ctx: ServiceContext, user: User, attempt: Seen, now: datetime,
                    policy: DetectionPolicy) -> History:
    """What scoring compares an attempt (a correct password) with, in one statement whatever the tables hold:
    the places of recent successes as they compare with the attempt's, whether its device is known, recent
    failures; the second factor's last change is on the account's row.

    Read alone (`db.read_alone`: a pooled connection in autocommit, without the session's transaction and its
    commit) unless the request has begun a transaction, whose writes it then sees (a later step's sign-in)."""
    device_key = attempt.device_key
    with ctx.session.no_autoflush:  # history is what earlier requests left; this one's rows wait for its flush
        rows = read_alone(ctx.session, _history_statement(policy.history_rows, 1000, device_key is not None), {
            "user_id": user.id, "since": now - policy.history, "device_key": device_key,
            "failures_since": now - policy.failures_window, "network": attempt.network,
            "asn": attempt.asn})
    extras = rows[0]
    return History(successes=tuple(_seen(row) for row in rows if row.at is not None),
                   known_devices=(frozenset({device_key}) if extras.known_device is not None
                                  and device_key is not None else frozenset()),
                   recent_failures=extras.recent_failures or 0,
                   credential_changed_at=_credential_change(user, user.second_factor_at, now, policy),
                   # Fail safe: the account row's flag or an active authenticator (a flag out of step, from
                   # a release that did not write it, must never let a password alone through).
                   has_second_factor=user.has_second_factor or bool(extras.mfa_active))


def _credential_change(user: User, mfa_change: datetime | None, now: datetime,
                       policy: DetectionPolicy) -> datetime | None:
    """The latest password change or reset (on the user row) or second-factor change, within the window."""
    changes = [mfa_change] if mfa_change is not None else []
    if user.password_changed_at and user.password_changed_at - user.created_at > timedelta(seconds=1):
        changes.append(user.password_changed_at)
    recent = [at for at in changes if now - at <= policy.recent_change]
    return max(recent) if recent else None


def recent_signins(ctx: ServiceContext, user_id: int, *, limit: int = 20) -> list[SigninAttempt]:
    """The account's latest attempts, every outcome, for its security page and a containment ticket."""
    return list(ctx.session.scalars(select(SigninAttempt).where(SigninAttempt.user_id == user_id)
                                    .order_by(SigninAttempt.created_at.desc(), SigninAttempt.id.desc())
                                    .limit(limit)))


def has_signed_in_from(ctx: ServiceContext, email: str, device_key: str) -> bool:
    """Whether the account behind `email` has signed in from this device: one probe of the (user, device)
    unique index, the same work whether or not the address has an account. Read alone (`db.read_alone`), as
    the account before the password check is."""
    return bool(read_alone(ctx.session, _SIGNED_IN_FROM, {"email": email, "device_key": device_key}))


_SIGNED_IN_FROM = (select(KnownDevice.id).join(User, User.id == KnownDevice.user_id)
                   .where(User.email == bindparam("email"), KnownDevice.device_key == bindparam("device_key"))
                   .limit(1))


def known_devices(ctx: ServiceContext, user_id: int, *, limit: int = 50) -> list[KnownDevice]:
    return list(ctx.session.scalars(select(KnownDevice).where(KnownDevice.user_id == user_id)
                                    .order_by(KnownDevice.last_seen_at.desc()).limit(limit)))
