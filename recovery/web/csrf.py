"""CSRF protection for every browser form: a signed double-submit token bound to a per-browser random seed.

The seed lives in an HttpOnly cookie; the token in the form is HMAC(secret, seed). A cross-site page can
neither read the cookie nor compute the HMAC. The seed is rotated at sign-in and sign-out. The JSON API is
exempt because it authenticates only with a Bearer header, which a browser never adds on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Flask, Response, g, request

from recovery.errors import N_, RecoveryError
from recovery.web.context import request_g, runtime
from recovery.web.cookies import CSRF, read_cookie, set_cookie

_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class CsrfFailed(RecoveryError):
    code = "csrf_failed"
    status = 400
    message = N_("This form has expired. Please go back, reload the page and try again.")


def cookie_name() -> str:
    return CSRF.name_for(runtime().settings)


def _sign(seed: str) -> str:
    key = runtime().settings.secret_key.encode()
    return hmac.new(key, b"csrf|" + seed.encode(), hashlib.sha256).hexdigest()


def _seed() -> str:
    stored = request_g().__dict__
    if "csrf_seed" not in stored:
        existing = read_cookie(CSRF) or ""
        stored["csrf_seed"] = existing if len(existing) >= 32 else secrets.token_urlsafe(32)
        stored["csrf_seed_new"] = stored["csrf_seed"] != existing
    return stored["csrf_seed"]


def csrf_token() -> str:
    """For templates: {{ csrf_token() }} in a hidden input named csrf_token (signed once per request and seed)."""
    stored = request_g().__dict__
    token = stored.get("csrf_token")
    if token is None:
        token = stored["csrf_token"] = _sign(_seed())
    return token


def rotate_csrf() -> None:
    g.csrf_seed = secrets.token_urlsafe(32)
    g.csrf_seed_new = True
    g.pop("csrf_token", None)


def check_csrf() -> None:
    """before_request, and the 429 handler's: CsrfFailed unless an unsafe browser request's form or header
    carries the token of its cookie."""
    if request.method not in _UNSAFE or request.path.startswith("/api/"):
        return
    seed = read_cookie(CSRF) or ""
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
    if not seed or not sent or not hmac.compare_digest(_sign(seed), sent):
        raise CsrfFailed()


def _set_cookie(response: Response) -> Response:
    if g.get("csrf_seed_new"):
        set_cookie(response, CSRF, g.csrf_seed)
    return response


def init_csrf(app: Flask) -> None:
    app.before_request(check_csrf)
    app.after_request(_set_cookie)
    app.jinja_env.globals["csrf_token"] = csrf_token
