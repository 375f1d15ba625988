"""One code submitted at the same moment by several clients: exactly one sign-in passes (SQLite and PostgreSQL).

Each submitter is its own app with its own engine, as separate processes would be. What this commits (an
account and its append-only events) goes to a database of its own (the shared `own_database` fixture).
"""

from __future__ import annotations

import threading
from collections import Counter

import pyotp
import pytest
from helpers.people import PASSWORD
from helpers.phone import Phone, enroll_totp

from recovery.accounts import service as accounts
from recovery.app import create_app
from recovery.web.context import app_service_context, runtime

pytestmark = pytest.mark.concurrency
SUBMITTERS = 4
EMAIL = "race@example.com"


@pytest.fixture
def apps(own_database, app_config, clock):
    config = {**app_config, "database_url": own_database, "ratelimits_enabled": False,
              "require_email_verification": False}
    made = [create_app(config, clock=clock) for _ in range(SUBMITTERS)]
    yield made
    for app in made:
        runtime(app).db.dispose()


def _enrolled(app) -> Phone:
    with app.app_context(), runtime(app).db.transaction() as session:
        ctx = app_service_context(app, session)
        accounts.sign_up(ctx, EMAIL, PASSWORD)
        return enroll_totp(ctx, accounts.get_user_by_email(ctx, EMAIL))


def _race(apps, code: str) -> Counter:
    """Each app signs in with the password, then all send `code` for their own challenge at the same moment."""
    tokens = [app.test_client().post("/api/v1/sessions", json={"email": EMAIL, "password": PASSWORD})
              .get_json()["mfa_token"] for app in apps]
    start = threading.Barrier(len(apps))
    outcomes: list[int] = []

    def submit(app, token: str) -> None:
        client = app.test_client()
        start.wait()
        outcomes.append(client.post("/api/v1/sessions/mfa", json={"mfa_token": token, "code": code}).status_code)

    threads = [threading.Thread(target=submit, args=pair) for pair in zip(apps, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return Counter(outcomes)


def test_one_totp_code_sent_by_several_clients_at_once_passes_exactly_once(apps, clock):
    phone = _enrolled(apps[0])
    for _ in range(3):
        clock.advance(minutes=5)  # the losers' failures count per account: keep each round within the budget
        assert _race(apps, pyotp.TOTP(phone.secret).at(clock.now())) == Counter({201: 1, 400: SUBMITTERS - 1})


def test_one_recovery_code_sent_by_several_clients_at_once_passes_exactly_once(apps, clock):
    phone = _enrolled(apps[0])
    for code in phone.recovery_codes[:2]:
        clock.advance(minutes=5)
        assert _race(apps, code) == Counter({201: 1, 400: SUBMITTERS - 1})
