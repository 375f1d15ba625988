"""The Flask-Security-Too peer: a minimal app as a Python team would set it up for JSON sign-in, reset and TOTP.

    gunicorn 'bench.peers.fst_app:create_app()'            (settings from BENCH_PEER_* variables)
    python -m bench.peers.fst_app seed EMAIL PASSWORD TOTP_EMAIL   (prints the TOTP user's base32 key)

Same argon2id parameters as recovery (m=19456 KiB, t=2, p=1), CSRF on (the client fetches the token with a
GET and sends it back, as a browser app does), generic answers for unknown addresses (no enumeration, like
recovery), no rate limiting (Flask-Security-Too has none built in), mail built but not sent (Flask-Mail's
suppressed mode: the peer's best case; recovery writes its email to the outbox table instead).
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime

from flask import Flask
from flask_mail import Mail
from flask_security import Security, SQLAlchemyUserDatastore, hash_password
from flask_security.models import fsqla_v3 as fsqla
from flask_sqlalchemy import SQLAlchemy

ARGON2 = {"argon2__memory_cost": 19456, "argon2__rounds": 2, "argon2__parallelism": 1, "argon2__type": "ID"}

db = SQLAlchemy()
fsqla.FsModels.set_db_info(db)


class Role(db.Model, fsqla.FsRoleMixin):
    pass


class User(db.Model, fsqla.FsUserMixin):
    pass


class WebAuthn(db.Model, fsqla.FsWebAuthnMixin):  # fsqla_v3's User refers to it
    pass


def create_app(database_url: str | None = None) -> Flask:
    app = Flask(__name__)
    secret = os.environ.get("BENCH_PEER_SECRET", "bench-peer-secret-key-that-is-long-enough-0123456789")
    app.config.update(
        SECRET_KEY=secret,
        SECURITY_PASSWORD_SALT="bench-peer-password-salt",  # noqa: S106 - a throwaway peer
        SQLALCHEMY_DATABASE_URI=database_url or os.environ.get("BENCH_PEER_DATABASE_URL", "sqlite:///fst.db"),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SECURITY_PASSWORD_HASH="argon2",  # noqa: S106 - the scheme, not a secret
        SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS=ARGON2,
        SECURITY_RECOVERABLE=True,
        SECURITY_TWO_FACTOR=True,
        SECURITY_TWO_FACTOR_ENABLED_METHODS=["authenticator"],
        SECURITY_TOTP_SECRETS={1: "bench-peer-totp-secret-0123456789abcdef"},
        SECURITY_TOTP_ISSUER="bench",
        SECURITY_RETURN_GENERIC_RESPONSES=True,
        SECURITY_FLASH_MESSAGES=False,
        MAIL_SUPPRESS_SEND=True,
        MAIL_DEFAULT_SENDER="no-reply@localhost",
    )
    db.init_app(app)
    Mail(app)
    app.security = Security(app, SQLAlchemyUserDatastore(db, User, Role))
    with app.app_context():
        db.create_all()
    return app


def seed(email: str, password: str, totp_email: str, app: Flask | None = None) -> str:
    """A confirmed user, and one with TOTP as its second factor; returns the TOTP key (base32)."""
    app = app or create_app()
    with app.app_context():
        datastore = app.security.datastore
        now = datetime.now(UTC).replace(tzinfo=None)
        datastore.create_user(email=email, password=hash_password(password), active=True, confirmed_at=now)
        totp_user = datastore.create_user(email=totp_email, password=hash_password(password), active=True,
                                          confirmed_at=now)
        secret = app.security._totp_factory.generate_totp_secret()
        datastore.tf_set(totp_user, "authenticator", totp_secret=secret)
        db.session.commit()
        return app.security._totp_factory.get_totp_b32_key(secret)


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] != "seed":
        sys.exit(__doc__)
    print(seed(*sys.argv[2:5]))
