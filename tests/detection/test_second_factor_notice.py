"""A wrong second factor after a correct password is told only when it means something: a few minutes later, if
the same known device did not sign in meanwhile (the owner mistyping), and at most once per 15 minutes."""

from __future__ import annotations

from helpers.detection import keep, signals

from recovery.accounts.models import User
from recovery.detection import service as detection
from recovery.detection.notices import SECOND_FACTOR_GRACE

EMAIL = "ada@example.com"


def signed_in(services, user_id: int, device: str = "laptop", stage: str = "password") -> None:
    with services() as ctx:
        user = ctx.session.get(User, user_id)
        observation = detection.check_source(ctx, signals(device=device), user.email)
        if stage == "password":
            decision = detection.assess_signin(ctx, user, observation)
            detection.complete_signin(ctx, user, observation, stage=stage, decision=decision)
        else:
            detection.complete_signin(ctx, user, observation, stage=stage)


def wrong_code(services, user_id: int, device: str = "laptop") -> None:
    with services() as ctx:
        user = ctx.session.get(User, user_id)
        observation = detection.check_source(ctx, signals(device=device), user.email)
        keep(ctx, detection.record_failure(ctx, user, user.email, observation, reason="wrong_code",
                                           stage="second_factor"))


def told(outbox) -> list:
    return [m for m in outbox(to=EMAIL, template="new_signin")
            if m.payload["subject"] == "Someone entered your password"]


def test_a_mistype_then_success_on_a_known_device_sends_nothing(people, services, outbox, clock):
    user_id = people.add(EMAIL)
    signed_in(services, user_id)  # the laptop is known
    clock.advance(hours=1)
    wrong_code(services, user_id)
    assert told(outbox) == []  # not at once
    clock.advance(seconds=20)
    signed_in(services, user_id, stage="second_factor")
    clock.advance(SECOND_FACTOR_GRACE)
    assert told(outbox) == []


def test_a_failure_with_no_success_is_told_after_the_grace(people, services, outbox, clock):
    user_id = people.add(EMAIL)
    signed_in(services, user_id)
    clock.advance(hours=1)
    wrong_code(services, user_id)
    clock.advance(SECOND_FACTOR_GRACE / 2)
    assert told(outbox) == []
    clock.advance(SECOND_FACTOR_GRACE)
    [mail] = told(outbox)
    assert "/signin-notice/secure/" in mail.payload["text"]


def test_an_unfamiliar_device_is_told_even_after_a_success(people, services, outbox, clock):
    """Its success is itself reported (a new device) and that email has the secure button: one email, not two."""
    user_id = people.add(EMAIL)
    signed_in(services, user_id)
    clock.advance(hours=1)
    wrong_code(services, user_id, device="stranger")
    clock.advance(seconds=20)
    signed_in(services, user_id, device="stranger", stage="second_factor")
    clock.advance(SECOND_FACTOR_GRACE)
    [mail] = outbox(to=EMAIL, template="new_signin")
    assert "/signin-notice/secure/" in mail.payload["text"]


def test_an_unfamiliar_device_that_never_succeeds_is_told(people, services, outbox, clock):
    user_id = people.add(EMAIL)
    signed_in(services, user_id)
    clock.advance(hours=1)
    wrong_code(services, user_id, device="stranger")
    clock.advance(SECOND_FACTOR_GRACE)
    assert len(told(outbox)) == 1


def test_at_most_one_notice_per_account_per_fifteen_minutes(people, services, outbox, clock):
    user_id = people.add(EMAIL)
    signed_in(services, user_id)
    clock.advance(hours=1)
    for device in ("stranger", "other", "third"):  # different devices: the cap is the account's
        wrong_code(services, user_id, device=device)
        clock.advance(minutes=2)
    clock.advance(SECOND_FACTOR_GRACE)
    assert len(told(outbox)) == 1
    clock.advance(minutes=16)
    wrong_code(services, user_id, device="stranger")
    clock.advance(SECOND_FACTOR_GRACE)
    assert len(told(outbox)) == 2
