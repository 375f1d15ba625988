"""Verification codes sent in parallel: with 16 real threads against the real database (SQLite file or
PostgreSQL), wrong codes compare exactly the code's five tries, and one right code verifies exactly once.

Each try is counted and committed before its code is compared (recovery.codes); a thread-safe counter around
`Tokens.matches`, where every HMAC is compared, says how many were compared.
"""

from __future__ import annotations

import pytest
from helpers.mail import code_in
from helpers.people import PASSWORD
from helpers.races import count_calls, post_at_once, read, separate_apps
from sqlalchemy import func, select

from recovery.accounts import service as accounts
from recovery.accounts.models import EmailVerification, User
from recovery.events.models import SecurityEvent
from recovery.outbox.models import OutboxMessage
from recovery.tokens import Tokens
from recovery.web.context import app_service_context, runtime

pytestmark = pytest.mark.concurrency
THREADS, APPS, TRIES = 16, 4, 5
EMAIL = "verifying@example.com"


@pytest.fixture
def apps(own_database, app_config, clock):
    with separate_apps(own_database, app_config, clock, APPS) as made:
        yield made


def _signed_up(app) -> str:
    """A new account's emailed verification code."""
    with app.app_context(), runtime(app).db.transaction() as session:
        accounts.sign_up(app_service_context(app, session), EMAIL, PASSWORD)
        return code_in(session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == EMAIL)).one())


def test_parallel_wrong_verification_codes_compare_exactly_the_codes_tries(apps, monkeypatch):
    code = _signed_up(apps[0])
    compared = count_calls(monkeypatch, Tokens, "matches")
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    statuses = post_at_once(apps, THREADS, "/api/v1/accounts/verify",
                            {"email": EMAIL, "code": wrong, "password": PASSWORD})
    assert statuses == {400: THREADS}
    assert compared["matches"] == TRIES
    assert read(apps[0], select(EmailVerification.attempts)) == TRIES
    failures = select(func.count()).where(SecurityEvent.type == "account.email.verification_failed")
    assert read(apps[0], failures) == THREADS  # every refusal is recorded: 5 wrong codes, 11 without a live one


def test_one_right_verification_code_sent_in_parallel_verifies_exactly_once(apps):
    code = _signed_up(apps[0])
    statuses = post_at_once(apps, THREADS, "/api/v1/accounts/verify", {"email": EMAIL, "code": code,
                                                                       "password": PASSWORD})
    assert statuses[200] == 1 and statuses[400] == THREADS - 1
    assert read(apps[0], select(User.email_verified_at).where(User.email == EMAIL)) is not None
    verified = select(func.count()).where(SecurityEvent.type == "account.email.verified")
    assert read(apps[0], verified) == 1
