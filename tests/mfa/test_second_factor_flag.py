"""The account row's second-factor flag (users.second_factor_at) and the authenticators can fall out of step
(a release that predates the flag enrolled or removed a factor): a password alone never gets through then, and
the worker's job puts the flag back."""

from __future__ import annotations

import re

import pytest

from recovery.accounts.models import User
from recovery.detection import service as detection
from recovery.detection.errors import StepUpEnded
from recovery.detection.service import ClientSignals
from recovery.mfa import service as mfa
from recovery.mfa.models import TotpAuthenticator
from recovery.signin import finish_step_up


def _set_flag(services, user_id: int, value) -> None:
    with services() as ctx:
        ctx.session.get(User, user_id).second_factor_at = value


def test_signin_asks_for_the_second_factor_when_the_flag_was_never_written(phone, ada, services, api_signin):
    _set_flag(services, ada, None)  # what an enrolment by an older release leaves
    status, body = api_signin()
    assert status == 200 and body["mfa_required"] is True and "session_token" not in body
    with services() as ctx:
        assert mfa.has_second_factor(ctx, ctx.session.get(User, ada))


def test_sync_job_puts_the_flag_back_in_step_both_ways(phone, ada, people, services, clock):
    _set_flag(services, ada, None)
    other = people.new_account("grace@example.com")
    _set_flag(services, other, clock.now())  # flagged, yet no authenticator (removed by an older release)
    with services() as ctx:
        assert mfa.sync_second_factor(ctx) == 2
    with services() as ctx:
        assert ctx.session.get(User, ada).second_factor_at is not None
        assert ctx.session.get(User, other).second_factor_at is None
        assert mfa.sync_second_factor(ctx) == 0
    assert [row.state for row in people.rows(TotpAuthenticator, user_id=ada)] == ["active"]


def test_step_up_code_is_refused_once_a_second_factor_is_on(people, services, outbox):
    """A code emailed before the account enrolled an authenticator no longer signs in: the factor is asked."""
    user_id = people.new_account("grace@example.com")
    with services() as ctx:
        token = detection.start_step_up(ctx, ctx.session.get(User, user_id), kind="api")
    code = re.search(r"\b(\d{8})\b", outbox(template="signin_code")[0].payload["text"]).group(1)
    people.enroll("grace@example.com")
    with pytest.raises(StepUpEnded), services() as ctx:
        finish_step_up(ctx, token, code, ClientSignals(ip="10.0.0.9", user_agent=None, kind="api"), kind="api")
