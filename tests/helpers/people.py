"""Test people, shared by every capability's tests: accounts added as rows or made through the accounts service,
signed in by API token, browser cookie or the real sign-in page, and read back fresh.

The `people` fixture in tests/conftest.py hands out `People` (rows); the packages whose tests exercise the accounts
service get `Accounts` (`PEOPLE_BY_PACKAGE` there), and a module may choose with a module-level `PEOPLE = ...`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from http.cookies import SimpleCookie

from flask import Response

from helpers.csrf import csrf_from
from helpers.database import get, rows, unit_of_work
from helpers.phone import Phone, enroll_totp
from recovery.accounts import service as accounts
from recovery.accounts.models import STAFF_ROLES, User
from recovery.accounts.service import has_second_factor
from recovery.accounts.status import lock_as_stolen
from recovery.events.models import SecurityEvent
from recovery.sessions.models import UserSession
from recovery.sessions.service import start_session
from recovery.tickets.models import Ticket
from recovery.web.auth import set_session_cookie

ADA = "ada@example.com"  # the account most tests are about (the `ada` fixture)
PASSWORD = "a sturdy passphrase for tests"
NEW_PASSWORD = "copper lantern drifts over seven quiet hills"


def long_password(length: int) -> str:
    """A password of exactly `length` characters that the policy accepts (zxcvbn 4.5 raised ValueError past 72)."""
    return ((NEW_PASSWORD + " ") * (length // len(NEW_PASSWORD) + 1))[:length]


@dataclass
class Added:
    id: int
    email: str
    phone: Phone | None = None  # a staff account's authenticator


def add_user(app, email: str = ADA, *, password: str = PASSWORD, role: str = "user",
             status: str = "active", reason: str | None = None, locale: str = "en", verified: bool = True) -> Added:
    """An account as a committed row of `app`'s (rolled-back) test transaction, bypassing the accounts service.
    Staff get TOTP enrolled (staff pages require it); their phone is in `.phone`."""
    with unit_of_work(app) as ctx:
        now = ctx.clock.now()
        user = User(email=email, password_hash=ctx.passwords.hash(password), password_changed_at=now, role=role,
                    status=status, status_reason=reason, locale=locale, created_at=now,
                    email_verified_at=now if verified else None)
        ctx.session.add(user)
        ctx.session.flush()
        phone = enroll_totp(ctx, user) if role in STAFF_ROLES else None
        return Added(user.id, user.email, phone)


class _Helper:
    def __init__(self, app, services, client) -> None:
        self.app, self.services, self.client = app, services, client
        self.phones: dict[str, Phone] = {}  # email -> the authenticator of an account with MFA

    def rows(self, model, *where, order=None, **by) -> list:
        return rows(self.app, model, *where, order=order, **by)

    def new_account(self, email: str) -> int:
        """An active, verified account with the shared PASSWORD, made the way these people make accounts."""
        raise NotImplementedError


class People(_Helper):
    """Adds accounts straight to the database and signs them in through the real sessions service, so the guards
    under test are the production ones."""

    def add(self, email: str, role: str = "user", *, status: str = "active", reason: str | None = None,
            locale: str = "en") -> int:
        added = add_user(self.app, email, role=role, status=status, reason=reason, locale=locale)
        if added.phone is not None:
            self.phones[email] = added.phone
        return added.id

    def new_account(self, email: str) -> int:
        return self.add(email)

    def staff(self, email: str, role: str = "agent") -> int:
        return self.add(email, role=role)

    def token(self, user_id: int, kind: str = "api") -> str:
        """A session as a full sign-in leaves it: past the second factor when the account has one."""
        with self.services() as ctx:
            passed = has_second_factor(ctx, ctx.session.get(User, user_id))
            return start_session(ctx, user_id, kind=kind, mfa_passed=passed)[1]

    def headers(self, user_id: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user_id)}"}

    def sign_in(self, user_id: int, client=None) -> None:
        """Give `client` (the test's client by default) the session cookie of a browser sign-in."""
        client = client or self.client
        token = self.token(user_id, "browser")
        with self.app.test_request_context():
            response = Response()
            set_session_cookie(response, token)
        for name, morsel in SimpleCookie(response.headers["Set-Cookie"]).items():
            client.set_cookie(name, morsel.value)

    def get_as(self, role: str | None, path: str):
        """GET `path` as a new signed-in user of `role`, or anonymously when role is None."""
        if role:
            self.sign_in(self.add(f"{role}@example.test", role=role))
        return self.client.get(path)

    def user(self, user_id: int) -> User:
        return get(self.app, User, user_id)


class Accounts(_Helper):
    """Makes users with the real accounts service and signs them in as a browser or API client would."""

    @classmethod
    def of(cls, app) -> Accounts:
        """For an app the test built itself (`make_app` with other settings), with a client of its own."""
        return cls(app, partial(unit_of_work, app), app.test_client())

    def new_account(self, email: str) -> int:
        return self.user(email)

    def user(self, email: str = ADA, *, password: str = PASSWORD, verified: bool = True,
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
        """As the operator's command line sets it (the one path without staff rules)."""
        with self.services() as ctx:
            accounts.set_status_as_operator(ctx, accounts.get_user(ctx, user_id), status, reason)

    def report_stolen(self, user_id: int) -> None:
        """The stolen-account lock containment sets when the owner says "this wasn't me"."""
        with self.services() as ctx:
            lock_as_stolen(ctx, accounts.get_user(ctx, user_id), source="test")

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

    def row_by_email(self, email: str) -> list[User]:
        return self.rows(User, email=email)

    def get(self, user_id: int) -> User:
        return get(self.app, User, user_id)

    def sessions_of(self, user_id: int) -> list[UserSession]:
        return self.rows(UserSession, user_id=user_id)

    def events(self, type: str, user_id: int | None = None) -> list[SecurityEvent]:
        where = {"type": type} if user_id is None else {"type": type, "user_id": user_id}
        return self.rows(SecurityEvent, **where)


class TicketPeople(People):
    """The shared people (rows), and the tickets they open read back fresh (the tickets tests)."""

    def ticket(self, ticket_id: int) -> Ticket:
        return get(self.app, Ticket, ticket_id)
