"""The front door: every kind of trouble a person arrives with, each leading straight into the flow that fixes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, redirect, render_template, url_for

from recovery.errors import N_

bp = Blueprint("home", __name__)


@dataclass(frozen=True)
class Door:
    """One trouble on the front door: what the person says, what happens next, and where it leads."""

    title: str
    text: str
    endpoint: str
    arguments: tuple[tuple[str, str], ...] = ()
    urgent: bool = False

    def href(self) -> str:
        values: dict[str, Any] = dict(self.arguments)
        return url_for(self.endpoint, **values)


# In the order a person in trouble scans them; the texts are msgids, translated when the page renders.
DOORS = (
    Door(N_("I can't sign in"), N_("Forgot your password? We email you a link to choose a new one."),
         "reset.forgot"),
    Door(N_("My account was hacked"),
         N_("Someone else signed in or changed your password. Lock the account now: we sign everyone out and "
            "our security team helps you back in."), "detection.secure_account", urgent=True),
    Door(N_("My account is locked or banned"),
         N_("Ask us to review it. We send a code to the addresses on the account to confirm it is you."),
         "tickets_intake.appeal", (("reason", "account_locked"),)),
    Door(N_("I lost my phone / authenticator"),
         N_("Sign in with one of your recovery codes, or ask us to reset your two-step verification."),
         "tickets_intake.appeal", (("reason", "lost_second_factor"),)),
    Door(N_("I lost access to everything"),
         N_("No password, no phone and no access to your email? Ask for account recovery."),
         "tickets_intake.recovery_request"),
    Door(N_("Check my request"), N_("See where your appeal or recovery request stands and what happens next."),
         "tickets_intake.my_requests"),
)


@bp.get("/")
def index():
    return render_template("home/index.html", doors=DOORS)


@bp.get("/support")
def support():
    """The address people guess for help: the front door's choices."""
    return redirect(url_for("home.index", _anchor="help"))
