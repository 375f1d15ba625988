"""Placeholder blueprint, filled in by the capability's owner."""

from flask import Blueprint

bp = Blueprint("sessions", __name__)
