"""Detection: the capability's public surface. Every sign-in attempt is recorded and scored; users hear about
unusual sign-ins; a stolen account is contained in one click.

For the sign-in paths (accounts, sessions, MFA): check_source (check_source_and_find_account for the password
step, which also reads the account with its lock row), is_locked, record_failure, assess_signin,
complete_signin, start_step_up / complete_step_up (attempts.py, stepup.py).
For the reset capability: lift_temporary_lock(ctx, user).
For people: report_not_me, confirm_it_was_me, secure_account, request_secure_link, forget_device,
security_view (containment.py and below). For the sign-in flow: case_next_step (a stolen-locked account's
open case, told instead of an appeal).

Errors: SourceThrottled (429), NoticeLinkInvalid / NoticeLinkExpired / NoticeLinkUsed, StepUpInvalid, StepUpEnded
(see errors.py), plus AuthenticationFailed for a blocked sign-in, which answers like a wrong password.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete

from recovery.accounts.models import User
from recovery.accounts.status import STOLEN_REASON, is_stolen_lock
from recovery.context import ServiceContext
from recovery.db import rowcount
from recovery.detection import queries
from recovery.detection.attempts import (
    Decision,
    assess_signin,
    check_source,
    check_source_and_find_account,
    complete_signin,
    is_locked,
    keep_decision,
    record_attempt,
    record_failure,
)
from recovery.detection.containment import (
    case_next_step,
    confirm_it_was_me,
    confirm_secure_reset,
    inspect_secure_reset,
    report_not_me,
    request_secure_link,
    secure_account,
    secure_reset_passkey_options,
)
from recovery.detection.locks import lift_temporary_lock
from recovery.detection.models import KnownDevice, SigninAttempt
from recovery.detection.signals import ClientSignals, Observation, cookie_device_key, observe
from recovery.detection.stepup import complete_step_up, find_step_up, start_step_up
from recovery.emails import normalise_email
from recovery.errors import NotFound
from recovery.events.service import record_event
from recovery.reset import service as reset

__all__ = [
    "ClientSignals", "Decision", "Observation", "STOLEN_REASON", "assess_signin", "case_next_step", "check_source",
    "check_source_and_find_account",
    "complete_signin", "complete_step_up", "confirm_it_was_me", "confirm_secure_reset",
    "find_step_up",
    "forget_device", "inspect_secure_reset", "is_familiar_device", "is_locked", "is_stolen_lock", "keep_decision",
    "lift_temporary_lock", "observe",
    "record_attempt", "record_failure", "report_not_me", "request_secure_link", "secure_account",
    "secure_reset_passkey_options", "security_view", "start_step_up",
]


@dataclass(frozen=True)
class SecurityView:
    """What the security page shows from detection: recent sign-ins and the devices the account knows."""

    signins: list[SigninAttempt]
    devices: list[KnownDevice]


def security_view(ctx: ServiceContext, user: User) -> SecurityView:
    return SecurityView(signins=queries.recent_signins(ctx, user.id, limit=15),
                        devices=queries.known_devices(ctx, user.id))


def is_familiar_device(ctx: ServiceContext, email: str, device_cookie_id: str | None) -> bool:
    """Whether this browser (its device cookie's id) has signed in to the account behind `email` before: such a
    sign-in is not refused by the walls that an attacker elsewhere can fill for one account or one network
    (the per-account and per-network failure limits, the temporary lock). Only a cookie counts, never the
    browser, OS and network an API client is recognised by: those can be copied."""
    if not device_cookie_id or not email:
        return False
    key = (normalise_email(email), cookie_device_key(ctx, device_cookie_id))
    known = ctx.session.info.setdefault("familiar_devices", {})  # asked by the limits, then by the password step
    if key not in known:
        known[key] = queries.has_signed_in_from(ctx, *key)
    return known[key]


def forget_device(ctx: ServiceContext, user: User, device_id: int) -> None:
    """The owner removes a known device: its next sign-in counts as new again (and is reported)."""
    result = ctx.session.execute(delete(KnownDevice).where(KnownDevice.id == device_id,
                                                           KnownDevice.user_id == user.id)
                                 .execution_options(synchronize_session="fetch"))
    if rowcount(result) != 1:
        raise NotFound()
    record_event(ctx, "detection.device.forgotten", user_id=user.id, device_id=device_id)


reset.after_reset(lift_temporary_lock)  # a completed password reset lifts the account's temporary lock
