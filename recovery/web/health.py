"""GET /healthz: 200 with the database's state, 503 when it is unreachable or too slow (for load balancers); it
also reports whether a delivery worker has gone round its loop lately (the heartbeat), without failing on it."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from recovery.observability.heartbeat import worker_health
from recovery.web.context import db_session, runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    session = db_session()
    rt = runtime()
    try:
        session.execute(text("SELECT 1"))
        worker = worker_health(session, now=rt.clock.now(),
                               stale_after=timedelta(minutes=rt.settings.worker_stale_minutes))
    except (DBAPIError, PoolTimeout):  # unreachable, or too slow to answer (docs/operations.md)
        session.rollback()  # the failed statement left the transaction unusable, and this answer commits nothing
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503, {"Retry-After": "5"}
    # A stuck worker delays mail, not answers: this web instance stays in the load balancer (200), and the body
    # says "degraded" with the worker's last heartbeat, for an operator's check or alert.
    body = {"status": "ok" if worker.state == "ok" else "degraded", "database": "ok", "worker": worker.state,
            "worker_last_seen": worker.last_seen.isoformat() if worker.last_seen else None}
    return jsonify(body)
