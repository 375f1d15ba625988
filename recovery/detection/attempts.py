"""Every sign-in attempt, at every stage, recorded with its signals; the source throttle, the failure count and
the risk assessment of a correct password.

How the sign-in paths call this (accounts, sessions and MFA):

    observation, user = check_source_and_find_account(ctx, signals, email)  # 429 for a throttled source,
                                                              # before any hashing (check_source: no account)
    locked = is_locked(ctx, user)                             # still verify the password: same time, same answer
    wrong password / locked / unknown account ->
        raise AuthenticationFailed(persist=record_failure(ctx, user, email, observation, reason=...))
    correct -> decision = assess_signin(ctx, user, observation)  # raises AuthenticationFailed when blocked
        decision.action == "step_up": second factor, or an emailed code (stepup.py) without MFA
    session about to start -> complete_signin(ctx, user, observation, stage=...)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, update

from recovery.accounts.models import User
from recovery.alerts.service import raise_alert
from recovery.context import ServiceContext
from recovery.db import Row, rowcount, upsert_insert
from recovery.detection import locks, notices, queries, rules, scoring
from recovery.detection.errors import SourceThrottled
from recovery.detection.models import KnownDevice, SigninAttempt
from recovery.detection.policy import DetectionPolicy, detection_policy
from recovery.detection.signals import ClientSignals, Observation, account_key, observe
from recovery.emails import normalise_email
from recovery.errors import AuthenticationFailed
from recovery.events.service import SecurityEvent, new_event

_THROTTLE_RETRY = 3600
# Password failures that count toward a lock; refusals after a correct password (a suspended account, an
# unverified email) answer differently anyway and do not.
_COUNTED = frozenset({"wrong_password", "unknown_account", "too_long", "locked"})


def record_attempt(ctx: ServiceContext, observation: Observation, *, user: User | None, email: str | None,
                   stage: str, outcome: str, reason: str | None = None,
                   assessment: scoring.Assessment | None = None) -> SigninAttempt:
    attempt = new_attempt(ctx, observation, user=user, email=email, stage=stage, outcome=outcome, reason=reason,
                          assessment=assessment)
    ctx.session.add(attempt)
    return attempt


def new_attempt(ctx: ServiceContext, observation: Observation, *, user: User | None, email: str | None,
                stage: str, outcome: str, reason: str | None = None,
                assessment: scoring.Assessment | None = None) -> SigninAttempt:
    """An attempt not yet in the session (record_attempt adds it; a sign-in that starts a session writes it
    with the session's rows, complete_signin)."""
    place = observation.place
    attempt = SigninAttempt(
        user_id=user.id if user else None, account_key=account_key(ctx, email or (user.email if user else "")),
        stage=stage, outcome=outcome, reason=reason, kind=observation.kind, ip=observation.ip,
        network=observation.network, country=place.country, asn=(place.asn or "")[:128] or None,
        city=(place.city or "")[:128] or None, latitude=place.latitude, longitude=place.longitude,
        device_key=observation.device_key, browser=observation.browser, os=observation.os,
        score=assessment.score if assessment else None, action=assessment.action if assessment else None,
        reasons=assessment.reasons if assessment else [], notified=False, created_at=ctx.clock.now())
    return attempt


def _seen(observation: Observation, at) -> rules.Seen:
    place = observation.place
    return rules.Seen(at=at, ip=observation.ip, network=observation.network, country=place.country,
                      asn=place.asn, latitude=place.latitude, longitude=place.longitude,
                      device_key=observation.device_key, under_attack=observation.under_attack)


# --- before the password: is the source throttled? ----------------------------------------------------------

def check_source(ctx: ServiceContext, signals: ClientSignals, email: str | None) -> Observation:
    """The attempt's observation; SourceThrottled (429, per source, the same for every account) when the IP or
    its network failed across too many accounts (credential stuffing)."""
    observation = observe(ctx, signals)
    policy = detection_policy(ctx.settings)
    counts = queries.source_counts(ctx, observation.ip, observation.network, ctx.clock.now(), policy)
    _refuse_if_stuffing(ctx, observation, counts, email, policy)
    return observation


def check_source_and_find_account(ctx: ServiceContext, signals: ClientSignals, email: str | None
                                  ) -> tuple[Observation, User | None]:
    """check_source and the account behind `email` with its lock state (remembered for is_locked), for the
    password step: one statement read alone, for any address (none: a passkey's step) and with or without a
    client IP (none: nothing counted, as source_counts)."""
    observation = observe(ctx, signals)
    policy = detection_policy(ctx.settings)
    counts, user, lock = queries.source_counts_and_account(ctx, observation.ip, observation.network,
                                                           normalise_email(email or ""), ctx.clock.now(), policy)
    if user is not None:
        locks.remember_lock_state(ctx, user.id, lock)
    _refuse_if_stuffing(ctx, observation, counts, email, policy)
    return observation, user


def _refuse_if_stuffing(ctx: ServiceContext, observation: Observation, counts: rules.SourceCounts,
                        email: str | None, policy: DetectionPolicy) -> None:
    """SourceThrottled (429) when the counts say credential stuffing, keeping the attempt and the alert."""
    finding = rules.credential_stuffing(counts, policy)
    if finding is None:
        return
    attempt = record_attempt(ctx, observation, user=None, email=email, stage="password", outcome="throttled",
                             reason="credential_stuffing")

    def keep(session) -> None:
        session.add(attempt)
        _stuffing_alert(ctx, observation, finding)

    raise SourceThrottled(_THROTTLE_RETRY, persist=[keep])


def _stuffing_alert(ctx: ServiceContext, observation: Observation, finding: rules.Finding) -> None:
    source = observation.ip if "network_accounts" not in finding.detail else observation.network
    severity = "critical" if finding.detail.get("ip_failures", 0) >= 10 * detection_policy(
        ctx.settings).stuffing_ip_failures else "high"
    raise_alert(ctx, rule="credential_stuffing", severity=severity, source=source,
                evidence={**finding.detail, "ip": observation.ip, "network": observation.network,
                          "country": observation.place.country, "asn": observation.place.asn})


# --- failures ------------------------------------------------------------------------------------------------

def record_failure(ctx: ServiceContext, user: User | None, email: str | None, observation: Observation, *,
                   reason: str, stage: str = "password", locked: bool = False) -> list:
    """What a failed attempt must leave although the request rolls back: pass it as the error's `persist`.

    A wrong password counts toward the account's temporary lock, and any password for an address no account
    has toward that address's, with the same work (locks.count_failed_password; a failure while locked, which
    the caller answers exactly like a wrong password, counts nothing); a wrong second factor after a correct
    password may email the owner (notices.second_factor_failed: a few minutes later, unless they succeeded);
    a source failing across many accounts raises the credential-stuffing alert.
    """
    outcome = "locked" if locked else "failure"
    attempt = record_attempt(ctx, observation, user=user, email=email, stage=stage, outcome=outcome,
                             reason=reason)
    # Read now: after the rollback that precedes `keep`, reading the user's columns would reload the row,
    # a query an address without an account would not make.
    user_id, address = (user.id, email or user.email) if user is not None else (None, email or "")

    def keep(session) -> None:
        session.add(attempt)
        session.flush()
        if stage == "password" and reason in _COUNTED:  # a known address or not, locked or not: same work
            locks.count_failed_password(ctx, user_id, address)
        if user is not None and stage == "second_factor":
            notices.second_factor_failed(ctx, user, attempt)  # told later, only if no success settles it
        # Checked for a locked account too: skipping it made a locked (so existing) account answer faster
        # than an unknown address (the bench's sign-in timing figure), which told the account exists.
        policy = detection_policy(ctx.settings)
        counts = queries.source_counts(ctx, observation.ip, observation.network, ctx.clock.now(), policy)
        finding = rules.credential_stuffing(counts, policy)
        if finding is not None:
            _stuffing_alert(ctx, observation, finding)
        if observation.under_attack and stage == "password":
            _attack_alert(ctx, observation)

    return [keep]


def _attack_alert(ctx: ServiceContext, observation: Observation) -> None:
    """Failed sign-ins across every client are over the threshold: one alert (no account, no source) grows with
    each failure while it lasts, with where the failures come from."""
    raise_alert(ctx, rule="signin_failures_global", severity="high",
                evidence={"threshold": ctx.settings.signin_attack_threshold, "ip": observation.ip,
                          "network": observation.network, "country": observation.place.country,
                          "asn": observation.place.asn})


def is_locked(ctx: ServiceContext, user: User) -> bool:
    return locks.is_locked(ctx, user)


# --- a correct password ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Decision:
    """A correct password scored. Its attempt and event are not in the session yet: complete_signin writes them
    with the session, keep_decision when a further step is due."""

    assessment: scoring.Assessment
    attempt: SigninAttempt
    event: SecurityEvent
    has_second_factor: bool = False  # read with the history: the sign-in asks for the second factor next

    @property
    def action(self) -> str:
        return self.assessment.action

    @property
    def needs_step_up(self) -> bool:
        return self.assessment.action == scoring.STEP_UP


def assess_signin(ctx: ServiceContext, user: User, observation: Observation, *, stage: str = "password"
                  ) -> Decision:
    """Score a correct password; a "block" raises AuthenticationFailed (the same answer as a wrong password),
    emails the owner and raises an alert. Every decision is a security event with its reasons.

    The account's history is read outside a write transaction (`queries.account_history`, `db.read_alone`: on
    PostgreSQL in autocommit, no BEGIN and COMMIT round trips), as the account was before the verify."""
    now = ctx.clock.now()
    policy = detection_policy(ctx.settings)
    seen = _seen(observation, now)
    history = queries.account_history(ctx, user, seen, now, policy)
    assessment = scoring.assess(seen, history, policy)
    locks.reset_failures(ctx, user)
    blocked = assessment.action == scoring.BLOCK
    attempt = new_attempt(ctx, observation, user=user, email=user.email, stage=stage,
                          outcome="blocked" if blocked else "partial", assessment=assessment)
    event = new_event(ctx, f"detection.signin.{assessment.action}", user_id=user.id,
                      actor=ctx.actor.as_user(user.id), score=assessment.score, reasons=assessment.reasons,
                      evidence=assessment.evidence, country=observation.place.country,
                      city=observation.place.city, device=attempt.device_label)
    if blocked:
        raise AuthenticationFailed(persist=[lambda session: _keep_block(ctx, user, attempt, event, assessment)])
    return Decision(assessment=assessment, attempt=attempt, event=event,
                    has_second_factor=history.has_second_factor)


def keep_decision(ctx: ServiceContext, decision: Decision) -> None:
    """A further step is due (a second factor, an emailed code): the attempt and its decision join the session."""
    ctx.session.add_all([decision.attempt, decision.event])


def _keep_block(ctx: ServiceContext, user: User, attempt: SigninAttempt, event, assessment) -> None:
    ctx.session.add_all([attempt, event])
    ctx.session.flush()
    locks.reset_failures(ctx, user)
    notices.send_notice(ctx, user, attempt, "blocked")
    raise_alert(ctx, rule="signin_blocked", severity="high", user_id=user.id, source=attempt.ip,
                evidence={"score": assessment.score, "reasons": assessment.reasons, "country": attempt.country,
                          "device": attempt.device_label})


def complete_signin(ctx: ServiceContext, user: User, observation: Observation, *, stage: str,
                    decision: Decision | None = None) -> list[Row]:
    """The session is about to start: record the success, remember the device, and tell the owner when the
    sign-in was unusual (at most one email per device per 15 minutes).

    Answers the rows the caller writes with the session's (`db.write_together`: the attempt, its decision and
    the device's refresh, with the session in one statement); an unusual sign-in, whose email links to its
    attempt, writes its rows now and answers none."""
    now = ctx.clock.now()
    if decision is not None:  # the password was the only step: its attempt becomes the success
        assessment, attempt = decision.assessment, decision.attempt
        attempt.outcome = "success"
        rows = [Row.of(attempt), Row.of(decision.event)]
    else:  # a later request (second factor, emailed code): judge the device and place again
        policy = detection_policy(ctx.settings)
        seen = _seen(observation, now)
        assessment = scoring.assess(seen, queries.account_history(ctx, user, seen, now, policy), policy)
        attempt = new_attempt(ctx, observation, user=user, email=user.email, stage=stage, outcome="success",
                              assessment=assessment)
        rows = [Row.of(attempt)]
    if assessment.action == scoring.ALLOW:
        return [*rows, *device_rows(ctx, user, attempt)]
    ctx.session.add_all([attempt, *([decision.event] if decision is not None else [])])
    with ctx.session.no_autoflush:  # the attempt's row goes with the device's, in one flush
        remember_device(ctx, user, attempt)
    notices.send_notice(ctx, user, attempt, "signin")
    return []


def device_rows(ctx: ServiceContext, user: User, attempt: SigninAttempt) -> list[Row]:
    """remember_device as a row for `db.write_together`: the refresh of a known device, or (when the UPDATE
    matched none: a first sign-in from it, or a device removed meanwhile) the upsert, right after."""
    if attempt.device_key is None:
        return []
    now = ctx.clock.now()
    seen = {"browser": attempt.browser, "os": attempt.os, "last_ip": attempt.ip, "last_country": attempt.country,
            "last_city": attempt.city, "last_seen_at": now}

    def insert_it(session) -> None:
        session.execute(_device_upsert(session.get_bind().dialect.name, False), {
            **seen, "user_id": user.id, "device_key": attempt.device_key, "first_seen_at": now,
            "confirmed_at": None})

    table = cast(Table, KnownDevice.__table__)
    return [Row(table, {**seen, "user_id": user.id, "device_key": attempt.device_key},
                match=("user_id", "device_key"), on_missing=insert_it)]


def remember_device(ctx: ServiceContext, user: User, attempt: SigninAttempt, *, confirmed: bool = False) -> None:
    """Refresh what we last saw of a known device (the usual case: one cached UPDATE), or insert it with an
    upsert, so two first sign-ins from the same device at once cannot both insert it."""
    if attempt.device_key is None:
        return
    now = ctx.clock.now()
    seen = {"browser": attempt.browser, "os": attempt.os, "last_ip": attempt.ip, "last_country": attempt.country,
            "last_city": attempt.city, "last_seen_at": now}
    confirmed_at = now if confirmed else None
    refreshed = ctx.session.execute(_device_refresh(confirmed), {
        **seen, "of_user": user.id, "of_device": attempt.device_key, "confirmed_now": confirmed_at})
    if rowcount(refreshed) != 1:
        ctx.session.execute(_device_upsert(ctx.session.get_bind().dialect.name, confirmed), {
            **seen, "user_id": user.id, "device_key": attempt.device_key, "first_seen_at": now,
            "confirmed_at": confirmed_at})


_DEVICE_SEEN = ("browser", "os", "last_ip", "last_country", "last_city", "last_seen_at")


@lru_cache(maxsize=2)
def _device_refresh(confirmed: bool):
    table = cast(Table, KnownDevice.__table__)  # Core statements: the parameters bind to their own bindparams
    values: dict[str, Any] = {name: bindparam(name) for name in _DEVICE_SEEN}
    if confirmed:  # the first confirmation is the one kept
        values["confirmed_at"] = func.coalesce(table.c.confirmed_at, bindparam("confirmed_now"))
    return (update(table).where(table.c.user_id == bindparam("of_user"),
                                table.c.device_key == bindparam("of_device")).values(values))


@lru_cache(maxsize=4)
def _device_upsert(dialect: str, confirmed: bool):
    """SQLAlchemy 2.0 cannot cache an ON CONFLICT statement (it compiles each time), hence the UPDATE first."""
    table = cast(Table, KnownDevice.__table__)
    statement = upsert_insert(dialect, table).values({name: bindparam(name) for name in (
        "user_id", "device_key", "first_seen_at", "confirmed_at", *_DEVICE_SEEN)})
    on_conflict = {name: statement.excluded[name] for name in _DEVICE_SEEN}
    if confirmed:
        on_conflict["confirmed_at"] = func.coalesce(table.c.confirmed_at, statement.excluded.confirmed_at)
    return statement.on_conflict_do_update(index_elements=["user_id", "device_key"], set_=on_conflict)
