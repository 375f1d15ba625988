"""Per-request access to the runtime, the database session (one transaction per request) and the client."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask.ctx import _AppCtxGlobals
from flask.globals import _cv_app, _cv_request
from flask.wrappers import Request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from recovery.context import Actor, ServiceContext
from recovery.runtime import Runtime
from recovery.web.emails import compose_email
from recovery.web.links import build_link
from recovery.web.locales import locale_name


def runtime(app: Flask | None = None) -> Runtime:
    if app is None:  # the app of the current context, read without its proxy (a page asks about ten times)
        app_context = _cv_app.get(None)
        app = app_context.app if app_context is not None else current_app  # outside a context: Flask's error
    return app.extensions["recovery"]


def request_g() -> _AppCtxGlobals:
    """Flask's `g` itself, not through its context-local proxy (three calls a read): for code a page runs many
    times. Outside an application context it is Flask's own error, as `g` gives."""
    app_context = _cv_app.get(None)
    return app_context.g if app_context is not None else g._get_current_object()


def current_request() -> Request:
    """Flask's `request` itself, not through its proxy (as request_g)."""
    request_context = _cv_request.get(None)
    if request_context is None:
        return request._get_current_object()  # type: ignore[attr-defined]  # outside a request: Flask's error
    return request_context.request


def db_session() -> Session:
    stored = request_g().__dict__
    session = stored.get("db_session")
    if session is None:
        session = stored["db_session"] = runtime().db.new_session()
    return session


def client_ip() -> str | None:
    # ProxyFix (configured for exactly RECOVERY_TRUSTED_PROXIES hops) has already rewritten remote_addr.
    return current_request().remote_addr


def request_actor() -> Actor:
    user = request_g().get("current_user")
    actor_type = "user" if user is None or not user.is_staff else "staff"
    return Actor(actor_type, user.id if user else None, client_ip(), current_request().headers.get("User-Agent"))


def service_context(actor: Actor | None = None, locale: str | None = None) -> ServiceContext:
    """`locale` defaults to the request's; pass one to avoid fixing the locale before the user is known."""
    rt = runtime()
    return ServiceContext(session=db_session(), settings=rt.settings, clock=rt.clock, tokens=rt.tokens,
                          compose_email=compose_email, link=build_link, passwords=rt.passwords,
                          actor=actor or request_actor(), locale=locale or locale_name())


def app_service_context(app: Flask, session: Session, actor: Actor | None = None) -> ServiceContext:
    """The same context for CLI commands and workers, outside any request."""
    rt = runtime(app)
    return ServiceContext(session=session, settings=rt.settings, clock=rt.clock, tokens=rt.tokens,
                          compose_email=compose_email, link=build_link, passwords=rt.passwords,
                          actor=actor or Actor(), locale=rt.settings.default_locale)


def commit_request_session() -> None:
    session = g.get("db_session")
    # A session that never began a transaction and holds nothing has nothing to commit (a page that read on a
    # connection of its own, db.read_alone): committing would begin and end an empty one.
    if session is not None and (session.in_transaction() or session.new or session.dirty or session.deleted):
        session.commit()


def close_request_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        if session.in_transaction():
            session.rollback()
        session.close()
    except DBAPIError:
        session.invalidate()  # the connection is gone (database down); drop it rather than fail teardown
