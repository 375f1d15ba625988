"""Wrong codes sent in parallel never buy extra guesses (issue 15, item 5): with 16 real threads against the real
database (SQLite file or PostgreSQL), exactly the budget of codes is checked, per challenge and per account.

The attempt is counted (and committed) before its code is checked; a thread-safe counter around the check
(`accept_proof`, the one place a second factor is compared) says how many were checked. Each submitter uses one
of a few apps with their own engines, as separate processes would.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from helpers.mail import RESET_LINK
from helpers.people import PASSWORD
from helpers.phone import Phone, enroll_totp
from sqlalchemy import func, select

from recovery.accounts import service as accounts
from recovery.app import create_app
from recovery.events.models import SecurityEvent
from recovery.mfa import challenge as challenge_module
from recovery.mfa import service as mfa_service
from recovery.outbox.models import OutboxMessage
from recovery.reset.service import LINK_TEMPLATE, send_reset_link
from recovery.web.context import app_service_context, runtime

pytestmark = pytest.mark.concurrency
THREADS, APPS, BUDGET = 16, 4, 5
EMAIL = "guessed@example.com"


def _apps(own_database, app_config, clock, **settings) -> list:
    config = {**app_config, "database_url": own_database, "ratelimits_enabled": False,
              "require_email_verification": False, **settings}
    return [create_app(config, clock=clock) for _ in range(APPS)]


@pytest.fixture
def make_apps(own_database, app_config, clock):
    made: list = []

    def build(**settings) -> list:
        made.extend(_apps(own_database, app_config, clock, **settings))
        return made[-APPS:]

    yield build
    for app in made:
        runtime(app).db.dispose()


@pytest.fixture
def checked(monkeypatch) -> Counter:
    """How many codes reached the check, counted around it (the database is the real one)."""
    seen: Counter = Counter()
    lock = threading.Lock()

    def counting(real):
        def check(*args, **kwargs):
            with lock:
                seen["codes"] += 1
            return real(*args, **kwargs)
        return check

    monkeypatch.setattr(challenge_module, "accept_proof", counting(challenge_module.accept_proof))
    monkeypatch.setattr(mfa_service, "accept_proof", counting(mfa_service.accept_proof))  # reset and changes
    return seen


def _enrolled(app) -> Phone:
    with app.app_context(), runtime(app).db.transaction() as session:
        ctx = app_service_context(app, session)
        accounts.sign_up(ctx, EMAIL, PASSWORD)
        return enroll_totp(ctx, accounts.get_user_by_email(ctx, EMAIL))


def _wrong_code(phone: Phone) -> str:
    """Six digits that are none of the codes the drift window accepts now."""
    right = {phone.code_at(offset) for offset in (-1, 0, 1)}
    return next(code for code in (f"{n:06d}" for n in range(1_000_000)) if code not in right)


def _mfa_token(app) -> str:
    answer = app.test_client().post("/api/v1/sessions", json={"email": EMAIL, "password": PASSWORD})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["mfa_token"]


def _race(apps, tokens: list[str], code: str) -> Counter:
    """All threads send `code` at the same moment, thread i with tokens[i]."""
    start = threading.Barrier(len(tokens))
    statuses: list[int] = []

    def submit(app, token: str) -> None:
        client = app.test_client()
        start.wait()
        statuses.append(client.post("/api/v1/sessions/mfa", json={"mfa_token": token, "code": code}).status_code)

    threads = [threading.Thread(target=submit, args=(apps[n % len(apps)], token)) for n, token in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return Counter(statuses)


def _failure_events(app) -> int:
    with app.app_context(), runtime(app).db.transaction() as session:
        return session.scalar(select(func.count()).where(SecurityEvent.type == "mfa.challenge.failed")) or 0


def test_parallel_wrong_codes_on_one_challenge_check_exactly_its_budget(make_apps, checked):
    apps = make_apps(mfa_failure_limits="100 per 5 minutes")  # only the challenge's own budget binds
    phone = _enrolled(apps[0])
    token = _mfa_token(apps[0])
    statuses = _race(apps, [token] * THREADS, _wrong_code(phone))
    assert checked["codes"] == BUDGET
    assert _failure_events(apps[0]) == BUDGET
    assert 201 not in statuses and sum(statuses.values()) == THREADS
    assert statuses[400] == BUDGET - 1  # the last checked one ends the challenge (401), as do the refused


def test_parallel_wrong_codes_on_one_account_check_exactly_its_budget(make_apps, checked):
    apps = make_apps()  # 5 wrong codes per 5 minutes per account, whatever the challenge
    phone = _enrolled(apps[0])
    tokens = [_mfa_token(apps[n % APPS]) for n in range(THREADS)]  # a challenge each: their budgets never bind
    statuses = _race(apps, tokens, _wrong_code(phone))
    assert checked["codes"] == BUDGET
    assert statuses == Counter({400: BUDGET, 429: THREADS - BUDGET})


def _reset_token(app) -> str:
    with app.app_context(), runtime(app).db.transaction() as session:
        ctx = app_service_context(app, session)
        send_reset_link(ctx, accounts.get_user_by_email(ctx, EMAIL))
        message = session.scalars(select(OutboxMessage).where(OutboxMessage.template == LINK_TEMPLATE)
                                  .order_by(OutboxMessage.id.desc())).first()
        return RESET_LINK.search(message.payload["text"]).group(1)


def test_parallel_wrong_codes_on_a_reset_link_check_exactly_the_accounts_budget(make_apps, checked):
    """The same budget on another path: a reset link asks for the second factor too."""
    apps = make_apps()
    phone = _enrolled(apps[0])
    token, code = _reset_token(apps[0]), _wrong_code(phone)
    start, statuses = threading.Barrier(THREADS), Counter()
    lock = threading.Lock()

    def submit(app) -> None:
        client = app.test_client()
        start.wait()
        status = client.post("/api/v1/password-resets/confirm", json={
            "token": token, "password": "a new and rather long passphrase", "code": code}).status_code
        with lock:
            statuses[status] += 1

    threads = [threading.Thread(target=submit, args=(apps[n % APPS],)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert checked["codes"] == BUDGET
    assert statuses == Counter({400: BUDGET, 429: THREADS - BUDGET})
