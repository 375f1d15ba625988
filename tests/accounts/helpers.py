"""Test accounts made through the accounts service, and signing in through the real pages and API."""

from __future__ import annotations

import re

from conftest import csrf_from
from mfa.helpers import Phone, enroll_totp
from sqlalchemy import select

from recovery.accounts import service as accounts
from recovery.accounts.models import User
from recovery.events.models import SecurityEvent
from recovery.sessions.models import UserSession
from recovery.web.context import runtime

PASSWORD = "a sturdy passphrase for tests"
NEW_PASSWORD = "copper lantern drifts over seven quiet hills"
CODE = re.compile(r"\b(\d{8})\b")


def code_in(message) -> str:
    """The 8-digit code of a queued verification email."""
    match = CODE.search(message.payload["text"])
    assert match, "no code in the email"
    return match.group(1)


class Accounts:
    """Makes users with the real service and signs them in as a browser or API client would."""

    def __init__(self, app, services, client) -> None:
        self.app, self.services, self.client = app, services, client
        self.phones: dict[str, Phone] = {}  # email -> the authenticator of an account with MFA

    def user(self, email: str = "ada@example.com", *, password: str = PASSWORD, verified: bool = True,
             locale: str = "en") -> int:
        with self.services() as ctx:
            ctx.locale = locale
            accounts.sign_up(ctx, email, password)
            user = accounts.get_user_by_email(ctx, email)
            if verified:
                user.email_verified_at = ctx.clock.now()
            return user.id

    def staff(self, email: str, role: str, password: str = PASSWORD, *, mfa: bool = True) -> int:
        """A staff account, with MFA enrolled (staff pages require it) unless mfa=False."""
        with self.services() as ctx:
            user = accounts.create_staff(ctx, email, password, role)
            if mfa:
                self.phones[user.email] = enroll_totp(ctx, user)
            return user.id

    def enroll(self, email: str) -> Phone:
        """Switch TOTP on for the account through the MFA service; its phone signs it in from then on."""
        with self.services() as ctx:
            self.phones[email] = enroll_totp(ctx, accounts.get_user_by_email(ctx, email))
        return self.phones[email]

    def set_status(self, user_id: int, status: str, reason: str = "testing") -> None:
        with self.services() as ctx:
            accounts.set_account_status(ctx, accounts.get_user(ctx, user_id), status, reason)

    def token(self, email: str, password: str = PASSWORD, client=None) -> str:
        client = client or self.client
        response = client.post("/api/v1/sessions", json={"email": email, "password": password})
        body = response.get_json()
        if body.get("mfa_required") and email in self.phones:
            response = client.post("/api/v1/sessions/mfa",
                                   json={"mfa_token": body["mfa_token"], "code": self.phones[email].code()})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["session_token"]

    def bearer(self, email: str, password: str = PASSWORD) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(email, password)}"}

    def sign_in(self, email: str, password: str = PASSWORD, client=None, **form: str):
        """Sign in through the page, with the CSRF token of its form, as a browser would."""
        client = client or self.client
        token = csrf_from(client.get("/signin").get_data(as_text=True))
        response = client.post("/signin", data={"csrf_token": token, "email": email, "password": password, **form})
        second_step = response.status_code == 302 and response.headers["Location"].startswith("/signin/second-factor")
        if second_step and email in self.phones:
            return self.second_factor(self.phones[email].code(), client=client, page=response.headers["Location"])
        return response

    def second_factor(self, code: str, *, client=None, page: str = "/signin/second-factor"):
        """Answer the second-factor page of a sign-in in progress."""
        client = client or self.client
        html = client.get(page).get_data(as_text=True)
        nxt = re.search(r'name="next" value="([^"]*)"', html)
        return client.post("/signin/second-factor", data={"csrf_token": csrf_from(html), "code": code,
                                                           "next": nxt.group(1) if nxt else ""})

    def post_form(self, path: str, data: dict | None = None, *, page: str = "/security", client=None):
        """POST a form with the CSRF token taken from `page`."""
        client = client or self.client
        token = csrf_from(client.get(page).get_data(as_text=True))
        return client.post(path, data={"csrf_token": token, **(data or {})})

    def row(self, model, **where):
        with self.app.app_context():
            session = runtime(self.app).db.new_session()
            try:
                query = select(model).filter_by(**where)
                return list(session.scalars(query))
            finally:
                session.close()

    def row_by_email(self, email: str) -> list[User]:
        return self.row(User, email=email)

    def get(self, user_id: int) -> User:
        return self.row(User, id=user_id)[0]

    def sessions_of(self, user_id: int) -> list[UserSession]:
        return self.row(UserSession, user_id=user_id)

    def events(self, type: str, user_id: int | None = None) -> list[SecurityEvent]:
        where = {"type": type} if user_id is None else {"type": type, "user_id": user_id}
        return self.row(SecurityEvent, **where)
