"""Detection at the service level: failures and the temporary lock, credential stuffing, the risk decision of a
correct password, the notification throttle, and the emailed step-up code. Frozen clock, fixed geo answers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from helpers.detection import FIREFOX, keep, run, signals

from recovery.accounts.models import User
from recovery.alerts.models import Alert
from recovery.db import write_together
from recovery.detection import queries, rules
from recovery.detection import service as detection
from recovery.detection.errors import SourceThrottled, StepUpEnded, StepUpInvalid
from recovery.detection.models import AddressLock, KnownDevice, SigninAttempt, SigninLock
from recovery.detection.notices import SECOND_FACTOR_GRACE
from recovery.detection.policy import detection_policy
from recovery.errors import AuthenticationFailed
from recovery.events.models import SecurityEvent
from recovery.outbox.models import OutboxMessage
from recovery.reset.service import confirm_reset

EMAIL = "ada@example.com"
RESET_TOKEN = re.compile(r"/reset/([^\s\"<>]+)")


def fail(services, user_id: int | None, *, ip="198.51.100.7", email=EMAIL, times=1, **kwargs) -> None:
    for _ in range(times):
        with services() as ctx:
            user = ctx.session.get(User, user_id) if user_id else None
            observation = detection.check_source(ctx, signals(ip=ip), email)
            locked = user is not None and detection.is_locked(ctx, user)
            keep(ctx, detection.record_failure(ctx, user, email, observation, reason="wrong_password",
                                               locked=locked, **kwargs))


def sign_in(services, user_id: int, **signal_args) -> str:
    """A correct password, then the session starts: the action decided (AuthenticationFailed when blocked)."""

    def operation(ctx):
        user = ctx.session.get(User, user_id)
        observation = detection.check_source(ctx, signals(**signal_args), user.email)
        decision = detection.assess_signin(ctx, user, observation)
        write_together(ctx.session, detection.complete_signin(ctx, user, observation, stage="password",
                                                                 decision=decision))
        return decision.action

    return run(services, operation)


def test_fifth_failure_locks_and_emails_one_reset_link(people, services, outbox):
    user_id = people.add(EMAIL)
    fail(services, user_id, times=4)
    assert outbox(template="account_locked_temporarily") == []
    fail(services, user_id)
    [mail] = outbox(template="account_locked_temporarily")
    assert "1 minutes" in mail.payload["text"] and "/reset/" in mail.payload["text"]
    with services() as ctx:
        assert detection.is_locked(ctx, ctx.session.get(User, user_id))


def test_failures_while_locked_do_not_count_and_the_lock_ends(people, services, clock, outbox):
    user_id = people.add(EMAIL)
    fail(services, user_id, times=5)
    fail(services, user_id, times=10)  # refused while locked: not counted, no new lock, no email
    assert len(outbox(template="account_locked_temporarily")) == 1
    attempts = people.rows(SigninAttempt, SigninAttempt.user_id == user_id)
    assert [a.outcome for a in attempts].count("locked") == 10
    clock.advance(minutes=1, seconds=1)
    with services() as ctx:
        assert not detection.is_locked(ctx, ctx.session.get(User, user_id))


def test_an_address_without_an_account_locks_like_one_and_nobody_is_told(people, services, clock, outbox):
    fail(services, None, email="nobody@example.com", times=5)
    [row] = people.rows(AddressLock)
    assert (row.failures, row.locks, row.locked_until) == (5, 1, clock.now() + timedelta(minutes=1))
    fail(services, None, email="nobody@example.com", times=3)  # refused while locked: counts nothing
    [row] = people.rows(AddressLock)
    assert row.failures == 5
    [task] = people.rows(OutboxMessage, OutboxMessage.kind == "task")  # queued, as for an account
    assert outbox() == [] and people.rows(Alert) == [] and people.rows(SigninLock) == []
    assert people.rows(OutboxMessage, OutboxMessage.id == task.id)[0].status == "sent"  # run: nobody to tell


def test_lock_grows_one_two_four_minutes(people, services, clock, outbox):
    user_id = people.add(EMAIL)
    for minutes in (1, 2, 4):
        fail(services, user_id, times=5)
        assert f"for {minutes} minutes" in outbox(template="account_locked_temporarily")[-1].payload["text"]
        clock.advance(minutes=minutes, seconds=1)


def test_correct_password_resets_the_count(people, services, outbox):
    user_id = people.add(EMAIL)
    fail(services, user_id, times=4)
    sign_in(services, user_id)
    fail(services, user_id, times=4)
    assert outbox(template="account_locked_temporarily") == []


def test_reset_link_in_the_lock_email_lifts_the_lock(people, services, outbox):
    user_id = people.add(EMAIL)
    fail(services, user_id, times=5)
    token = RESET_TOKEN.search(outbox(template="account_locked_temporarily")[0].payload["text"]).group(1)
    with services() as ctx:
        confirm_reset(ctx, token, "copper lantern drifts over seven quiet hills")
    with services() as ctx:
        assert not detection.is_locked(ctx, ctx.session.get(User, user_id))
    assert people.rows(SecurityEvent, SecurityEvent.type == "detection.lock.lifted")


def test_hundred_failures_disable_the_password_with_a_high_alert(people, services, clock, outbox):
    user_id = people.add(EMAIL)
    for _ in range(20):
        fail(services, user_id, times=5)
        clock.advance(minutes=16)
    with services() as ctx:
        assert detection.is_locked(ctx, ctx.session.get(User, user_id))
    assert "no longer works" in outbox(template="account_locked_temporarily")[-1].payload["text"]
    [alert] = people.rows(Alert, Alert.rule == "brute_force")
    assert alert.severity == "high" and alert.count == 20  # one alert that grew, not twenty


def test_stuffing_across_fifty_accounts_throttles_the_ip_and_raises_one_alert(people, services):
    for n in range(50):
        try:
            fail(services, None, email=f"victim{n}@example.com", ip="203.0.113.9")
        except SourceThrottled:
            break
    assert n == 20  # the 21st account is refused before any password is checked
    with pytest.raises(SourceThrottled) as raised:
        fail(services, None, email="victim99@example.com", ip="203.0.113.9")
    assert raised.value.status == 429
    fail(services, None, email="someone@example.com", ip="198.51.100.7")  # another source is untouched
    [alert] = people.rows(Alert, Alert.rule == "credential_stuffing")
    assert alert.source == "203.0.113.9" and alert.severity == "high" and alert.user_id is None


@pytest.mark.parametrize("overrides", [{"detection_stuffing_ip_failures": 10, "detection_stuffing_accounts": 1000}])
def test_stuffing_by_failures_from_one_ip_across_accounts(people, services):
    with pytest.raises(SourceThrottled):
        for n in range(11):
            fail(services, None, email=f"v{n % 3}@example.com", ip="203.0.113.9")
    assert n == 10
    assert people.rows(Alert, Alert.rule == "credential_stuffing")


def test_first_signin_is_allowed_quietly_and_remembers_the_device(people, services, outbox):
    user_id = people.add(EMAIL)
    assert sign_in(services, user_id) == "allow"
    assert outbox(template="new_signin") == []
    [device] = people.rows(KnownDevice, KnownDevice.user_id == user_id)
    assert device.browser == "Chrome 124" and device.os == "Windows 10" and device.last_country == "DE"


def test_known_device_signing_in_again_is_refreshed_in_its_one_row(people, services, clock):
    user_id = people.add(EMAIL)
    sign_in(services, user_id)
    first_seen = clock.now()
    clock.advance(minutes=30)
    sign_in(services, user_id, ip="198.51.100.99")
    [device] = people.rows(KnownDevice, KnownDevice.user_id == user_id)
    assert (device.first_seen_at, device.last_seen_at, device.last_ip) == (first_seen, clock.now(), "198.51.100.99")


def test_new_device_notifies_at_most_once_per_fifteen_minutes(people, services, clock, outbox):
    user_id = people.add(EMAIL)
    sign_in(services, user_id)
    assert sign_in(services, user_id, device="phone", agent=FIREFOX) == "notify"
    clock.advance(minutes=5)
    with services() as ctx:  # the device is known now; forget it to get "new device" again
        ctx.session.query(KnownDevice).filter_by(user_id=user_id, browser="Firefox 125").delete()
    assert sign_in(services, user_id, device="phone", agent=FIREFOX) == "notify"
    [mail] = outbox(template="new_signin")
    assert "Firefox 125" in mail.payload["text"] and "Berlin, Germany" in mail.payload["text"]
    assert "/signin-notice/confirm/" in mail.payload["text"] and "/signin-notice/secure/" in mail.payload["text"]
    clock.advance(minutes=11)
    with services() as ctx:
        ctx.session.query(KnownDevice).filter_by(user_id=user_id, browser="Firefox 125").delete()
    sign_in(services, user_id, device="phone", agent=FIREFOX)
    assert len(outbox(template="new_signin")) == 2


def test_new_country_steps_up_and_impossible_travel_blocks(people, services, clock, outbox):
    user_id = people.add(EMAIL)
    sign_in(services, user_id)
    clock.advance(days=2)
    with services() as ctx:
        user = ctx.session.get(User, user_id)
        decision = detection.assess_signin(ctx, user, detection.check_source(
            ctx, signals(ip="203.0.113.9", device="tablet"), user.email))
        assert decision.needs_step_up and set(decision.assessment.reasons) >= {"new_device", "new_country"}
    clock.set(clock.now().replace(hour=9))
    sign_in(services, user_id)
    clock.advance(hours=2)
    with pytest.raises(AuthenticationFailed):
        sign_in(services, user_id, ip="203.0.113.9", device="tablet")
    [mail] = outbox(template="new_signin")
    assert mail.payload["subject"] == "We blocked a sign-in to your account"
    [alert] = people.rows(Alert, Alert.rule == "signin_blocked")
    assert alert.user_id == user_id and alert.source == "203.0.113.9"
    assert people.rows(SecurityEvent, SecurityEvent.type == "detection.signin.block")


@pytest.mark.parametrize("overrides", [{"detection_deny_list": "203.0.113.0/24"}])
def test_deny_listed_source_is_blocked(people, services):
    user_id = people.add(EMAIL)
    with pytest.raises(AuthenticationFailed):
        sign_in(services, user_id, ip="203.0.113.9")


def test_decision_is_a_security_event_with_reasons(people, services):
    user_id = people.add(EMAIL)
    sign_in(services, user_id)
    sign_in(services, user_id, ip="192.0.2.50", device="phone")
    [event] = people.rows(SecurityEvent, SecurityEvent.type == "detection.signin.notify")
    assert event.details["reasons"] == ["new_device", "new_network"] and event.details["score"] == 40


def test_wrong_second_factor_after_correct_password_emails_the_owner(people, services, outbox, clock):
    user_id = people.add(EMAIL)
    fail(services, user_id, stage="second_factor")
    fail(services, user_id, stage="second_factor")  # the same device within 15 minutes: one email
    assert outbox(template="new_signin") == []  # not before the owner has had time to retype it
    clock.advance(SECOND_FACTOR_GRACE)
    [mail] = outbox(template="new_signin")
    assert mail.payload["subject"] == "Someone entered your password"
    with services() as ctx:  # second-factor failures do not count toward the password lock
        assert not detection.is_locked(ctx, ctx.session.get(User, user_id))


def test_step_up_code_signs_in_once(people, services, outbox):
    user_id = people.add(EMAIL)
    with services() as ctx:
        token = detection.start_step_up(ctx, ctx.session.get(User, user_id), kind="browser")
    code = re.search(r"\b(\d{8})\b", outbox(template="signin_code")[0].payload["text"]).group(1)
    with pytest.raises(StepUpInvalid):
        run(services, lambda ctx: detection.complete_step_up(ctx, token, str(int(code) ^ 1).zfill(8), kind="browser"))
    with pytest.raises(StepUpEnded), services() as ctx:
        detection.complete_step_up(ctx, token, code, kind="api")  # a browser's step is not the API's
    with services() as ctx:
        assert detection.complete_step_up(ctx, token, code, kind="browser").id == user_id
    with pytest.raises(StepUpEnded), services() as ctx:
        detection.complete_step_up(ctx, token, code, kind="browser")


def test_step_up_ends_after_five_wrong_codes(people, services):
    user_id = people.add(EMAIL)
    with services() as ctx:
        token = detection.start_step_up(ctx, ctx.session.get(User, user_id), kind="api")
    for _ in range(4):
        with pytest.raises(StepUpInvalid):
            run(services, lambda ctx: detection.complete_step_up(ctx, token, "12345678x", kind="api"))
    with pytest.raises(StepUpEnded):
        run(services, lambda ctx: detection.complete_step_up(ctx, token, "12345678x", kind="api"))
    with services() as ctx:
        assert detection.find_step_up(ctx, token, kind="api") is None


def test_scoring_reads_bounded_windows(people, services, clock):
    """Old history beyond the window does not count: a device last seen 100 days ago is still known (devices
    are kept), but its country no longer is."""
    user_id = people.add(EMAIL)
    sign_in(services, user_id, ip="203.0.113.9")
    clock.advance(days=100)
    with services() as ctx:
        user = ctx.session.get(User, user_id)
        decision = detection.assess_signin(ctx, user, detection.check_source(ctx, signals(), user.email))
        assert decision.assessment.reasons == []  # nothing in the 90-day window to compare with


def test_history_is_a_row_per_country_and_still_knows_every_recent_network(people, services, clock):
    """An account seen on 150 networks of one country: its history reads back as that country and the latest
    located success (two rows, not 150), and a success on any of those networks or their providers still
    counts, the oldest one in the window included."""
    user_id = people.add(EMAIL)
    now = clock.now()
    with services() as ctx:
        ctx.session.add_all(SigninAttempt(
            user_id=user_id, account_key="k" * 32, stage="password", outcome="success", kind="browser",
            ip=f"10.0.{n}.1", network=f"10.0.{n}.0/24", country="DE", asn=f"Provider {n}",
            latitude=52.52 if n == 5 else None, longitude=13.40 if n == 5 else None,
            created_at=now - timedelta(minutes=n + 1)) for n in range(150))
    policy = detection_policy(people.app.extensions["recovery"].settings)

    def judged(network: str, asn: str) -> tuple[rules.History, rules.Finding | None]:
        attempt = rules.Seen(at=now, network=network, country="DE", asn=asn)
        with services() as ctx:
            history = queries.account_history(ctx, ctx.session.get(User, user_id), attempt, now, policy)
        return history, rules.new_network(attempt, history, policy)

    history, finding = judged("10.0.149.0/24", "Another provider")
    assert [(s.country, s.network, s.latitude) for s in history.successes] == [
        ("DE", "10.0.149.0/24", None), ("DE", "10.0.5.0/24", 52.52)]
    assert finding is None and rules.new_country(rules.Seen(at=now, country="DE"), history, policy) is None
    assert judged("10.9.9.0/24", "Provider 7")[1] is None  # a new network of a known provider
    history, finding = judged("10.9.9.0/24", "Another provider")
    assert finding is not None and finding.rule == "new_network"
    assert [(s.network, s.asn) for s in history.successes][0] == (None, None)  # nothing of it was seen
