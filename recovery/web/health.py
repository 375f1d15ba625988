"""GET /healthz: 200 with the database's state, 503 when it is unreachable or too slow (for load balancers)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from recovery.web.context import db_session

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    session = db_session()
    try:
        session.execute(text("SELECT 1"))
    except (DBAPIError, PoolTimeout):  # unreachable, or too slow to answer (docs/operations.md)
        session.rollback()  # the failed statement left the transaction unusable, and this answer commits nothing
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503, {"Retry-After": "5"}
    return jsonify({"status": "ok", "database": "ok"})
