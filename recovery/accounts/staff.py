"""Placeholder blueprint, filled in by the capability's owner."""

from flask import Blueprint

bp = Blueprint("staff_accounts", __name__)


@bp.get("/staff/")
def index():
    return "staff"
