"""Appeal and recovery codes sent in parallel: with 16 real threads against the real database (SQLite file or
PostgreSQL), wrong codes compare exactly the code's five tries, and one right code opens exactly one ticket.

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
from recovery.outbox.models import OutboxMessage
from recovery.tickets import intake
from recovery.tickets.models import IntakeChallenge, Ticket
from recovery.tokens import Tokens
from recovery.web.context import app_service_context, runtime

pytestmark = pytest.mark.concurrency
THREADS, APPS, TRIES = 16, 4, 5
EMAIL, CONTACT = "appealing@example.com", "new.contact@example.net"


@pytest.fixture
def apps(own_database, app_config, clock):
    with separate_apps(own_database, app_config, clock, APPS, require_email_verification=False) as made:
        yield made


def _code_sent(app, ask, to: str, template: str) -> str:
    """Run `ask(ctx)` (an appeal or a recovery request) for a new account: the code emailed to `to`."""
    with app.app_context(), runtime(app).db.transaction() as session:
        ctx = app_service_context(app, session)
        accounts.sign_up(ctx, EMAIL, PASSWORD)
        ask(ctx)
        return code_in(session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == to,
                                                                   OutboxMessage.template == template)).one())


def _appeal(app) -> str:
    return _code_sent(app, lambda ctx: intake.request_appeal(ctx, email=EMAIL, reason="account_locked",
                                                            message="Please look again"), EMAIL, "appeal_code")


def _recovery(app) -> str:
    return _code_sent(app, lambda ctx: intake.request_recovery(ctx, account_email=EMAIL, contact_email=CONTACT,
                                                              message="I lost everything", answers={}),
                      CONTACT, "appeal_contact_code")


CONFIRM = {"appeal": (_appeal, "/api/v1/appeals/confirm", {"email": EMAIL}),
           "recovery": (_recovery, "/api/v1/recovery-requests/confirm", {"contact_email": CONTACT})}


@pytest.mark.parametrize("kind", CONFIRM)
def test_parallel_wrong_intake_codes_compare_exactly_the_codes_tries(apps, monkeypatch, kind):
    ask, path, who = CONFIRM[kind]
    code = ask(apps[0])
    compared = count_calls(monkeypatch, Tokens, "matches")
    statuses = post_at_once(apps, THREADS, path, {**who, "code": f"{(int(code) + 1) % 10**8:08d}"})
    assert statuses == {400: THREADS}
    assert compared["matches"] == TRIES
    assert read(apps[0], select(IntakeChallenge.attempts)) == TRIES
    assert read(apps[0], select(func.count()).select_from(Ticket)) == 0


@pytest.mark.parametrize("kind", CONFIRM)
def test_one_right_intake_code_sent_in_parallel_opens_exactly_one_ticket(apps, kind):
    ask, path, who = CONFIRM[kind]
    statuses = post_at_once(apps, THREADS, path, {**who, "code": ask(apps[0])})
    assert statuses[201] == 1 and statuses[400] == THREADS - 1
    assert read(apps[0], select(func.count()).select_from(Ticket)) == 1
