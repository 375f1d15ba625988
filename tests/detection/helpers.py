"""Shared by the detection and alerts tests: people as rows, sessions as a full sign-in leaves them, the fixed geo
answers (the in-memory twin of the geo lookup) and applying what a failed request keeps."""

from __future__ import annotations

from http.cookies import SimpleCookie

from flask import Response
from sqlalchemy import select

from recovery.accounts.models import STAFF_ROLES, User
from recovery.accounts.service import has_second_factor
from recovery.detection.geo import Place, StaticGeoLookup
from recovery.detection.signals import ClientSignals
from recovery.errors import RecoveryError
from recovery.sessions.service import start_session
from recovery.web.auth import set_session_cookie
from recovery.web.context import runtime
from tests.conftest import TEST_PASSWORD

try:  # staff pages ask for a second factor once the MFA capability is installed
    from tests.mfa.helpers import enroll_totp
except ImportError:  # pragma: no cover
    enroll_totp = None

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
# Fixed answers: Berlin and Sydney are 16,000 km apart; two Berlin networks; a Paris network.
BERLIN = Place(country="DE", asn="Deutsche Telekom", city="Berlin", latitude=52.52, longitude=13.40)
BERLIN_2 = Place(country="DE", asn="Vodafone", city="Berlin", latitude=52.52, longitude=13.40)
SYDNEY = Place(country="AU", asn="Telstra", city="Sydney", latitude=-33.87, longitude=151.21)
PARIS = Place(country="FR", asn="Orange", city="Paris", latitude=48.86, longitude=2.35)
IPS = {"198.51.100.7": BERLIN, "198.51.100.8": BERLIN, "192.0.2.50": BERLIN_2, "203.0.113.9": SYDNEY,
       "203.0.113.77": PARIS}


def fixed_geo() -> StaticGeoLookup:
    return StaticGeoLookup(IPS)


def signals(ip: str = "198.51.100.7", device: str | None = "laptop", agent: str = CHROME,
            kind: str = "browser") -> ClientSignals:
    return ClientSignals(ip=ip, user_agent=agent, device_id=device, kind=kind)


def keep(ctx, items: list) -> None:
    """What the error layer does with `persist` after rolling back, for tests that call services directly."""
    for item in items:
        item(ctx.session) if callable(item) else ctx.session.add(item)
    ctx.session.flush()


def run(services, operation):
    """`operation(ctx)` in one unit of work; a RecoveryError is handled as web/errors.py does: roll back, keep
    what it says must survive, commit that, and raise."""
    with services() as ctx:
        try:
            return operation(ctx)
        except RecoveryError as error:
            ctx.session.rollback()
            keep(ctx, error.persist)
            ctx.session.commit()
            raise


class People:
    def __init__(self, app, services, client) -> None:
        self.app, self.services, self.client = app, services, client

    def add(self, email: str, *, role: str = "user", status: str = "active", locale: str = "en") -> int:
        with self.services() as ctx:
            now = ctx.clock.now()
            user = User(email=email, password_hash=ctx.passwords.hash(TEST_PASSWORD), password_changed_at=now,
                        role=role, status=status, locale=locale, created_at=now, email_verified_at=now)
            ctx.session.add(user)
            ctx.session.flush()
            if role in STAFF_ROLES and enroll_totp is not None:
                enroll_totp(ctx, user)
            return user.id

    def token(self, user_id: int, kind: str = "api") -> str:
        with self.services() as ctx:
            passed = has_second_factor(ctx, ctx.session.get(User, user_id))
            return start_session(ctx, user_id, kind=kind, mfa_passed=passed)[1]

    def headers(self, user_id: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user_id)}"}

    def sign_in(self, user_id: int, client=None) -> None:
        client = client or self.client
        token = self.token(user_id, "browser")
        with self.app.test_request_context():
            response = Response()
            set_session_cookie(response, token)
        for name, morsel in SimpleCookie(response.headers["Set-Cookie"]).items():
            client.set_cookie(name, morsel.value)

    def rows(self, model, *where, order=None) -> list:
        with self.app.app_context():
            session = runtime(self.app).db.new_session()
            try:
                query = select(model).where(*where)
                return list(session.scalars(query.order_by(order) if order is not None else query))
            finally:
                session.close()

    def user(self, user_id: int) -> User:
        return self.rows(User, User.id == user_id)[0]
