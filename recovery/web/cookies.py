"""Every cookie the app sets, one frozen spec each, and the one way to set, clear and read them.

Rules every cookie follows, so no spec can forget them: Secure whenever the base URL is https; a cookie whose
path is `/` and that says so takes the `__Host-` prefix behind https (the browser then refuses it from an
http page or another subdomain); a signed cookie is an itsdangerous signature with its own salt, and one
longer than `_SIGNED_MAX_LENGTH` is ignored without checking it (none we sign comes near). docs/security.md,
"Cookies", has the table; tests/web/test_cookies.py checks every Set-Cookie the app sends against it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, Signer, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from recovery.settings import Settings
from recovery.web.context import current_request, runtime

_SIGNED_MAX_LENGTH = 200


@dataclass(frozen=True)
class CookieSpec:
    name: str
    max_age: int | Callable[[Settings], int] | None = None  # seconds; None: ends with the browser
    path: str = "/"
    samesite: Literal["Lax", "Strict"] = "Lax"
    httponly: bool = True
    host_prefix: bool = False  # `__Host-` + name behind https (needs path "/")
    salt: str | None = None  # signed with the secret key and this salt; None: the value as it is

    def __post_init__(self) -> None:
        if self.host_prefix and self.path != "/":
            raise ValueError(f"{self.name}: a __Host- cookie must have path '/'")

    def name_for(self, settings: Settings) -> str:
        return f"__Host-{self.name}" if self.host_prefix and settings.uses_https else self.name

    def lifetime(self, settings: Settings) -> int | None:
        return self.max_age(settings) if callable(self.max_age) else self.max_age


# The server-side session's token; no max-age: idle and absolute timeouts are the server's.
SESSION = CookieSpec("recovery_session", host_prefix=True, salt="recovery.session-cookie")
# The CSRF seed (web/csrf.py): HttpOnly too, forms carry HMAC(secret, seed), never the seed.
CSRF = CookieSpec("recovery_csrf", host_prefix=True)
# A random device id for detection, 400 days (browsers' cap).
DEVICE = CookieSpec("recovery_device", max_age=400 * 24 * 3600, host_prefix=True, salt="recovery.device-cookie")
# A pending sign-in between password and second factor: Strict, only our own form ever sends it back.
MFA_CHALLENGE = CookieSpec("recovery_mfa", samesite="Strict", host_prefix=True,
                           salt="recovery.mfa-challenge-cookie")
# The emailed step-up code's token, only for the code page.
STEP_UP = CookieSpec("recovery_step_up", max_age=15 * 60, path="/signin/verify")
# The reset link's token, moved out of the address bar, only for the reset pages, as long as the link lives.
RESET = CookieSpec("recovery_reset", max_age=lambda settings: settings.reset_token_minutes * 60, path="/reset")
# The language switcher's choice, a year.
LANGUAGE = CookieSpec("recovery_lang", max_age=365 * 24 * 3600)
# The time zone this browser reported (web/display.py), for the times on signed-out pages, a year.
TIME_ZONE = CookieSpec("recovery_tz", max_age=365 * 24 * 3600)
# Flask's own session cookie, which only carries flashed messages; Flask sets it (app.py reads this spec).
FLASHES = CookieSpec("session")

SPECS = (SESSION, CSRF, DEVICE, MFA_CHALLENGE, STEP_UP, RESET, LANGUAGE, TIME_ZONE, FLASHES)


def cookie_name(spec: CookieSpec) -> str:
    return spec.name_for(runtime().settings)


def set_cookie(response: Response, spec: CookieSpec, value: str) -> None:
    settings = runtime().settings
    if spec.salt is not None:
        value = _signer(settings, spec.salt).sign(value).decode()
    response.set_cookie(spec.name_for(settings), value, max_age=spec.lifetime(settings), path=spec.path,
                        secure=settings.uses_https, httponly=spec.httponly, samesite=spec.samesite)


def clear_cookie(response: Response, spec: CookieSpec) -> None:
    settings = runtime().settings
    response.delete_cookie(spec.name_for(settings), path=spec.path, secure=settings.uses_https,
                           httponly=spec.httponly, samesite=spec.samesite)


def read_cookie(spec: CookieSpec) -> str | None:
    """The request's value of the cookie (its signature checked and removed); None when absent or forged."""
    settings = runtime().settings
    raw = current_request().cookies.get(spec.name_for(settings))
    if not raw or spec.salt is None:
        return raw or None
    if len(raw) >= _SIGNED_MAX_LENGTH:
        return None
    try:
        return _signer(settings, spec.salt).unsign(raw).decode()
    except BadSignature:
        return None


def flask_session_config(settings: Settings) -> dict:
    """Flask's SESSION_COOKIE_* settings for the cookie it sets itself (flashed messages), from its spec."""
    return {"SESSION_COOKIE_NAME": FLASHES.name_for(settings), "SESSION_COOKIE_PATH": FLASHES.path,
            "SESSION_COOKIE_HTTPONLY": FLASHES.httponly, "SESSION_COOKIE_SAMESITE": FLASHES.samesite,
            "SESSION_COOKIE_SECURE": settings.uses_https}


def _signer(settings: Settings, salt: str) -> Signer:
    return _signer_for(settings.secret_key, salt)


@lru_cache(maxsize=32)
def _signer_for(secret_key: str, salt: str) -> Signer:
    """A Signer keeps nothing but its key and salt: made once per pair, not per cookie read."""
    return Signer(secret_key, salt=salt)


class FlashSessions(SecureCookieSessionInterface):
    """Flask's cookie session (flashed messages only), its serializer made once per key: Flask makes one for
    every request, even one without the cookie, and itsdangerous tries a dump to tell text from bytes each time."""

    _made: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()), self.salt,
               app.config.get("SESSION_COOKIE_NAME"))
        if self._made is None or self._made[0] != key:
            self._made = (key, super().get_signing_serializer(app))
        return self._made[1]
