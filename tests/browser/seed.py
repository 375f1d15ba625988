"""Rows the browser flows start from, written before the browser arrives."""

from __future__ import annotations

from recovery.accounts.models import User
from recovery.web.context import runtime


def add_verified_account(app, email: str, password: str) -> None:
    """An active account with a verified address."""
    with app.app_context(), runtime(app).db.transaction() as session:
        now = runtime(app).clock.now()
        session.add(User(email=email, password_hash=runtime(app).passwords.hash(password), password_changed_at=now,
                         role="user", status="active", locale="en", created_at=now, email_verified_at=now))
