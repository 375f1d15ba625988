"""Test people: users of any role added as rows, signed in by API token or browser cookie.

Until the accounts service's create_staff lands, users are plain rows; sessions come from the real
sessions service, so the guards under test are the production ones.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from flask import Response
from mfa.helpers import enroll_totp

from recovery.accounts.models import STAFF_ROLES, User
from recovery.accounts.service import has_second_factor
from recovery.sessions.service import start_session
from recovery.web.auth import set_session_cookie


class People:
    def __init__(self, services, client) -> None:
        self.services = services
        self.client = client

    def add(self, email: str, role: str = "user", locale: str = "en") -> int:
        with self.services() as ctx:
            now = ctx.clock.now()
            user = User(email=email, password_hash="!unusable", password_changed_at=now, role=role,
                        status="active", locale=locale, created_at=now, email_verified_at=now)
            ctx.session.add(user)
            ctx.session.flush()
            if role in STAFF_ROLES:
                enroll_totp(ctx, user)  # staff pages require MFA
            return user.id

    def _start(self, ctx, user_id: int, kind: str) -> str:
        """A session as a full sign-in would leave it: past the second factor when the account has one."""
        mfa_passed = has_second_factor(ctx, ctx.session.get(User, user_id))
        return start_session(ctx, user_id, kind=kind, mfa_passed=mfa_passed)[1]

    def api_headers(self, user_id: int) -> dict[str, str]:
        with self.services() as ctx:
            token = self._start(ctx, user_id, "api")
        return {"Authorization": f"Bearer {token}"}

    def sign_in_browser(self, user_id: int) -> None:
        with self.services() as ctx:
            token = self._start(ctx, user_id, "browser")
        with self.client.application.test_request_context():
            response = Response()
            set_session_cookie(response, token)
        cookie = SimpleCookie(response.headers["Set-Cookie"])
        for name, morsel in cookie.items():
            self.client.set_cookie(name, morsel.value)

    def get_as(self, role: str | None, path: str):
        """GET `path` as a new signed-in user of `role`, or anonymously when role is None."""
        if role:
            self.sign_in_browser(self.add(f"{role}@example.test", role=role))
        return self.client.get(path)
