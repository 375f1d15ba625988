"""Placeholder: browser pages of the accounts capability (being written)."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)


@bp.route("/signin", methods=["GET", "POST"])
def signin():
    return "signin"


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    return "signup"


@bp.post("/signout")
def signout():
    return "signout"


@bp.get("/security")
def security():
    return "security"


@bp.route("/reauthenticate", methods=["GET", "POST"])
def reauthenticate():
    return "reauth"
