"""GET /metrics (RECOVERY_METRICS_PATH) for Prometheus, kept private, and the latency of every request.

Who may read it:
- `RECOVERY_METRICS_PORT` set: only requests that arrived on that port (gunicorn bound to it on a private
  interface as well as the public one); that port serves nothing else but /healthz, and /metrics is 404 on every
  other port. Nothing a client sends can choose the port: it is the listening socket's, read from the connection
  under gunicorn (whose SERVER_PORT comes from the Host header on a unix-socket bind, which has no port, so
  never matches), else SERVER_PORT (the development server's bound port).
- else `RECOVERY_METRICS_TOKEN` set: `Authorization: Bearer <token>`, compared in constant time; 401 otherwise.
- else: open in development and tests, 404 in production (refused to anonymous callers).
"""

from __future__ import annotations

import hmac
import time

from flask import Flask, Response, abort, request
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from recovery.observability.metrics import exposition, observe_request
from recovery.settings import Settings
from recovery.web.context import current_request, db_session, request_g, runtime

PRIVATE_PORT_PATHS = ("/healthz",)


def arrival_port(environ: dict) -> str:
    """The port of the socket this request arrived on ("" for a unix socket or when it cannot be told)."""
    connection = environ.get("gunicorn.socket")
    if connection is None:
        return str(environ.get("SERVER_PORT", ""))
    try:
        local = connection.getsockname()
    except OSError:
        return ""
    return str(local[1]) if isinstance(local, tuple) and len(local) >= 2 else ""


def metrics_access(settings: Settings, *, server_port: str, authorization: str) -> int:
    """200 when this caller may read the metrics, else the status to refuse with (404 or 401)."""
    if settings.metrics_port:
        return 200 if server_port == str(settings.metrics_port) else 404
    if settings.metrics_token:
        expected = f"Bearer {settings.metrics_token}".encode()
        return 200 if hmac.compare_digest(authorization.encode(), expected) else 401
    return 404 if settings.is_production else 200


def metrics_view() -> Response:
    settings = runtime().settings
    status = metrics_access(settings, server_port=arrival_port(request.environ),
                            authorization=request.headers.get("Authorization", ""))
    if status == 401:
        return Response("metrics need the bearer token\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'},
                        mimetype="text/plain")
    if status != 200:
        abort(status)
    session = db_session()
    try:
        body = exposition(session, runtime().clock.now())
    except (DBAPIError, PoolTimeout):  # the stored gauges are out of reach: the processes' counters still answer
        session.rollback()
        body = exposition(None, runtime().clock.now())
    return Response(body, 200, mimetype=CONTENT_TYPE_LATEST)


def init_metrics(app: Flask) -> None:
    """The metrics route at its configured path, the private port's gate, and one latency sample per request."""
    settings = runtime(app).settings
    app.add_url_rule(settings.metrics_path, "observability.metrics", metrics_view, methods=["GET"])

    @app.before_request
    def private_port_serves_metrics_only():
        request = current_request()
        if settings.metrics_port and arrival_port(request.environ) == str(settings.metrics_port) \
                and request.path not in (settings.metrics_path, *PRIVATE_PORT_PATHS):
            abort(404)
        request_g().metrics_started = time.perf_counter()
        return None

    @app.after_request
    def observe(response: Response) -> Response:
        started = request_g().get("metrics_started")
        if started is not None:
            request = current_request()
            observe_request(request.endpoint, request.method, response.status_code, time.perf_counter() - started)
        return response
