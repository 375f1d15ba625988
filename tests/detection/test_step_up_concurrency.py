"""Wrong emailed step-up codes sent in parallel never buy extra guesses: with 16 real threads against the real
database (SQLite file or PostgreSQL), exactly the challenge's budget of codes is checked, and the account's code
budget (RECOVERY_MFA_FAILURE_LIMITS) binds the emailed code as it binds a second factor.

The try is counted (and committed) before the code is compared; a thread-safe counter around the comparison
(`stepup.code_matches`, the one place a step-up code is compared) says how many were compared.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from helpers.people import PASSWORD

from recovery.accounts import service as accounts
from recovery.app import create_app
from recovery.detection import stepup
from recovery.web.context import app_service_context, runtime

pytestmark = pytest.mark.concurrency
THREADS, APPS, BUDGET = 16, 4, 5
EMAIL = "stepped@example.com"


@pytest.fixture
def make_apps(own_database, app_config, clock):
    made: list = []

    def build(**settings) -> list:
        config = {**app_config, "database_url": own_database, "ratelimits_enabled": False,
                  "require_email_verification": False, **settings}
        made.extend(create_app(config, clock=clock) for _ in range(APPS))
        return made[-APPS:]

    yield build
    for app in made:
        runtime(app).db.dispose()


@pytest.fixture
def compared(monkeypatch) -> Counter:
    seen: Counter = Counter()
    lock = threading.Lock()
    real = stepup.code_matches

    def counting(*args, **kwargs):
        with lock:
            seen["codes"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(stepup, "code_matches", counting)
    return seen


def _step_up_tokens(app, count: int) -> list[str]:
    """`count` step-ups of the one account (each start replaces the last: the newest token is the live one)."""
    with app.app_context(), runtime(app).db.transaction() as session:
        ctx = app_service_context(app, session)
        accounts.sign_up(ctx, EMAIL, PASSWORD)
    tokens = []
    for _ in range(count):
        with app.app_context(), runtime(app).db.transaction() as session:
            ctx = app_service_context(app, session)
            tokens.append(stepup.start_step_up(ctx, accounts.get_user_by_email(ctx, EMAIL), kind="api"))
    return tokens


def _race(apps, token: str) -> Counter:
    start = threading.Barrier(THREADS)
    statuses: list[int] = []

    def submit(app) -> None:
        client = app.test_client()
        start.wait()
        answer = client.post("/api/v1/sessions/step-up", json={"step_up_token": token, "code": "00000000"})
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=submit, args=(apps[n % APPS],)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return Counter(statuses)


def test_parallel_wrong_step_up_codes_check_exactly_the_challenges_budget(make_apps, compared):
    apps = make_apps(mfa_failure_limits="100 per 5 minutes")  # only the challenge's own budget binds
    [token] = _step_up_tokens(apps[0], 1)
    statuses = _race(apps, token)
    assert compared["codes"] == BUDGET
    assert sum(statuses.values()) == THREADS and not any(status >= 500 for status in statuses)


def test_parallel_wrong_step_up_codes_are_charged_to_the_accounts_code_budget(make_apps, compared):
    apps = make_apps(mfa_failure_limits="3 per 5 minutes")  # narrower than the challenge's five
    [token] = _step_up_tokens(apps[0], 1)
    statuses = _race(apps, token)
    assert compared["codes"] == 3
    assert statuses[429] >= 1 and not any(status >= 500 for status in statuses)
