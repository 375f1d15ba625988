"""create_app: wiring only (settings, database, extensions, blueprints, error handlers, CLI)."""

from __future__ import annotations

import importlib
import logging

from flask import Flask
from flask.templating import _default_template_ctx_processor
from werkzeug.middleware.proxy_fix import ProxyFix

from recovery.cli import recovery_cli
from recovery.clock import Clock
from recovery.observability.endpoint import init_metrics
from recovery.observability.logs import configure_logging, init_request_logging
from recovery.runtime import build_runtime
from recovery.settings import PROJECT_ROOT, build_settings
from recovery.tokens import Randomness
from recovery.web.auth import init_auth
from recovery.web.context import close_request_session, commit_request_session
from recovery.web.cookies import FlashSessions, flask_session_config
from recovery.web.csrf import init_csrf
from recovery.web.errors import register_error_handlers
from recovery.web.form_kit import init_form_kit
from recovery.web.forms import init_input_checks
from recovery.web.headers import init_headers
from recovery.web.i18n import init_i18n
from recovery.web.inputs import init_input_parsers
from recovery.web.layout import init_layout
from recovery.web.logredact import install_log_redaction
from recovery.web.ratelimit import init_early_refusals, init_limiter
from recovery.web.staff_nav import init_staff_nav
from recovery.web.templating import RecoveryEnvironment, init_templating

# (module, blueprint attribute): one line per capability area; order does not matter.
BLUEPRINTS = (
    ("recovery.web.health", "bp"),
    ("recovery.web.openapi", "bp"),
    ("recovery.web.home", "bp"),
    ("recovery.web.display", "bp"),
    ("recovery.signin.views", "bp"),
    ("recovery.signin.api", "bp"),
    ("recovery.accounts.views", "bp"),
    ("recovery.security.views", "bp"),
    ("recovery.security.passkey_api", "bp"),
    ("recovery.security.passkey_views", "bp"),
    ("recovery.accounts.api", "bp"),
    ("recovery.accounts.staff", "bp"),
    ("recovery.sessions.views", "bp"),
    ("recovery.sessions.api", "bp"),
    ("recovery.events.views", "bp"),
    ("recovery.events.api", "bp"),
    ("recovery.outbox.views", "bp"),
    ("recovery.tickets.views", "bp"),
    ("recovery.tickets.intake_views", "bp"),
    ("recovery.tickets.api", "bp"),
    ("recovery.reset.views", "bp"),
    ("recovery.reset.api", "bp"),
    ("recovery.outbox.api", "bp"),
    ("recovery.mfa.views", "bp"),
    ("recovery.mfa.api", "bp"),
    ("recovery.detection.views", "bp"),
    ("recovery.detection.api", "bp"),
    ("recovery.alerts.views", "bp"),
    ("recovery.alerts.api", "bp"),
    ("recovery.assistant.guide", "bp"),
    ("recovery.assistant.views", "bp"),
    ("recovery.assistant.api", "bp"),
    ("recovery.help.views", "bp"),
    ("recovery.help.staff_views", "bp"),
    ("recovery.help.api", "bp"),
)


class RecoveryFlask(Flask):
    jinja_environment = RecoveryEnvironment
    _synced: dict | None = None

    def ensure_sync(self, func):
        # Flask asks of every hook on every request (about 16 a page) whether it is a coroutine function; the
        # answer for a function never changes, so it is remembered.
        synced = self._synced
        if synced is None:
            synced = self._synced = {}
        made = synced.get(func)
        if made is None:
            made = synced[func] = super().ensure_sync(func)
        return made

    def dispatch_request(self):
        # One request, one transaction: a view that returns commits; an error goes through the handlers,
        # which roll back. Committing here (not in after_request) lets a failed commit map to 409/503.
        response = super().dispatch_request()
        commit_request_session()
        return response


def create_app(config: dict | None = None, *, clock: Clock | None = None,
               randomness: Randomness | None = None) -> RecoveryFlask:
    settings = build_settings(config)
    app = RecoveryFlask("recovery", template_folder=str(PROJECT_ROOT / "templates"),
                        static_folder=str(PROJECT_ROOT / "recovery" / "web" / "static"))
    app.extensions["recovery"] = build_runtime(settings, clock=clock, randomness=randomness)
    app.session_interface = FlashSessions()
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=settings.max_content_length,
                      PREFERRED_URL_SCHEME="https" if settings.uses_https else "http", JSON_SORT_KEYS=False,
                      **flask_session_config(settings))
    if settings.trusted_proxies:
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0)  # type: ignore[method-assign]
    configure_logging("json" if settings.log_json else "text")
    _init_extensions(app)
    _register_blueprints(app)
    app.teardown_appcontext(close_request_session)
    _register_cli(app)
    logging.getLogger("recovery").setLevel(logging.INFO)
    return app


def _init_extensions(app: Flask) -> None:
    init_request_logging(app)  # first: every answer, refusals included, carries its request id
    init_metrics(app)  # /metrics, its private port, request latency
    init_early_refusals(app)  # first: nothing has read the body yet
    init_input_parsers(app)  # before the blueprints: their routes bind the id converters
    init_i18n(app)
    init_input_checks(app)  # before anything reads the input (CSRF reads the form)
    init_csrf(app)
    init_auth(app)
    init_limiter(app)
    init_headers(app)
    init_staff_nav(app)
    init_templating(app)
    init_layout(app)
    init_form_kit(app)
    install_log_redaction()
    register_error_handlers(app)


def _register_blueprints(app: Flask) -> None:
    for module_name, attribute in BLUEPRINTS:
        app.register_blueprint(getattr(importlib.import_module(module_name), attribute))
    _drop_repeated_default_context(app)


def _drop_repeated_default_context(app: Flask) -> None:
    """Flask gives every blueprint its own copy of the default template context processor (g, request,
    session), registered under the blueprint's name, so a blueprint's page ran it twice per render: once for the
    app, once for the blueprint. A blueprint's list that holds nothing else is dropped; one with processors of
    its own keeps them all."""
    processors = app.template_context_processors
    for name in [name for name, funcs in processors.items()
                 if name is not None and funcs == [_default_template_ctx_processor]]:
        del processors[name]


def _register_cli(app: Flask) -> None:
    app.cli.add_command(recovery_cli)
