"""Two (or more) simultaneous submissions of one link: exactly one sets the password, on SQLite and PostgreSQL.

This cannot run in the rolled-back test transaction: each submission needs its own connection and must see
the others' commits. What it commits (an account and its append-only security events, which the database
refuses to delete) goes to a database of its own, derived from `database_url` and dropped afterwards.
"""

from __future__ import annotations

import re
import threading
from collections import Counter

import pytest
from helpers.mail import RESET_LINK
from helpers.people import PASSWORD as OLD_PASSWORD
from sqlalchemy import func, select

from recovery.accounts.models import User
from recovery.app import create_app
from recovery.events.models import SecurityEvent
from recovery.outbox.models import OutboxMessage
from recovery.reset.models import PasswordReset
from recovery.reset.service import LINK_TEMPLATE, send_reset_link
from recovery.web.context import app_service_context, runtime

pytestmark = pytest.mark.concurrency
SUBMITTERS = 4
ROUNDS = 3


def _new_link(app, user_id: int) -> str:
    with app.app_context(), runtime(app).db.transaction() as session:
        ctx = app_service_context(app, session)
        send_reset_link(ctx, session.get(User, user_id))
        message = session.scalars(select(OutboxMessage).where(OutboxMessage.template == LINK_TEMPLATE)
                                  .order_by(OutboxMessage.id.desc())).first()
        return re.search(RESET_LINK, message.payload["text"]).group(1)


def _race(apps, token: str, round_no: int) -> dict[int, str]:
    """Every app (its own engine, as separate processes would have) submits at the same moment."""
    start = threading.Barrier(len(apps))
    outcomes: dict[int, tuple[int, str]] = {}

    def submit(index: int, app) -> None:
        client = app.test_client()
        password = f"round {round_no} submitter {index} picks a long fresh passphrase"
        start.wait()
        response = client.post("/api/v1/password-resets/confirm", json={"token": token, "password": password})
        body = response.get_json()
        outcomes[index] = (response.status_code, body.get("status") or body["error"]["code"], password)

    threads = [threading.Thread(target=submit, args=(i, app)) for i, app in enumerate(apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_confirm_simultaneous_submissions_of_one_link_exactly_one_succeeds(own_database, app_config, clock):
    config = {**app_config, "database_url": own_database, "ratelimits_enabled": False}
    apps = [create_app(config, clock=clock) for _ in range(SUBMITTERS)]
    try:
        with apps[0].app_context(), runtime(apps[0]).db.transaction() as session:
            now = clock.now()
            user = User(email="race@example.com", password_hash=runtime(apps[0]).passwords.hash(OLD_PASSWORD),
                        password_changed_at=now, role="user", status="active", locale="en", created_at=now,
                        email_verified_at=now)
            session.add(user)
            session.flush()
            user_id = user.id
        for round_no in range(ROUNDS):
            outcomes = _race(apps, _new_link(apps[0], user_id), round_no)
            assert len(outcomes) == SUBMITTERS
            statuses = Counter((status, code) for status, code, _ in outcomes.values())
            assert statuses[(200, "password_reset")] == 1
            # A loser that reads the link after the winner's commit may find it used or, since the winner's
            # reset revokes every other outstanding link and changes the hash it is bound to, revoked: both
            # refuse with 409, which is what matters.
            losers = {key: n for key, n in statuses.items() if key != (200, "password_reset")}
            assert sum(losers.values()) == SUBMITTERS - 1
            assert set(losers) <= {(409, "reset_link_used"), (409, "reset_link_revoked")}
            [winner] = [password for status, _, password in outcomes.values() if status == 200]
            with apps[0].app_context(), runtime(apps[0]).db.transaction() as session:
                stored = session.get(User, user_id).password_hash
                assert runtime(apps[0]).passwords.verify(stored, winner)
        with apps[0].app_context(), runtime(apps[0]).db.transaction() as session:
            resets = session.scalar(select(func.count()).select_from(SecurityEvent)
                                    .where(SecurityEvent.type == "account.password.reset"))
            used = session.scalar(select(func.count()).select_from(PasswordReset)
                                  .where(PasswordReset.used_at.is_not(None)))
            assert resets == used == ROUNDS
    finally:
        for app in apps:
            runtime(app).db.dispose()
