"""The request side of detection: the long-lived signed device cookie and the attempt's client signals.

The device cookie (`recovery.web.cookies.DEVICE`) holds a random id (128 bits) signed with its own salt; the
database keeps only its HMAC.
The client IP is `request.remote_addr`, which ProxyFix has rewritten from X-Forwarded-For only for the
RECOVERY_TRUSTED_PROXIES hops configured; with none, a forged header changes nothing.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, g, request
from flask_babel import gettext

from recovery.detection.signals import ClientSignals
from recovery.errors import N_
from recovery.web.context import client_ip
from recovery.web.cookies import DEVICE, read_cookie, set_cookie
from recovery.web.ratelimit import signin_under_attack


def device_id() -> str:
    """This browser's device id, minted (and set on the response) when it has none or a forged one."""
    if "device_id" not in g:
        g.device_id = read_cookie(DEVICE)
        if g.device_id is None:
            g.device_id, g.device_id_new = secrets.token_urlsafe(16), True
    return g.device_id


def client_signals(*, password_step: bool = False) -> ClientSignals:
    """The request's signals; for the password step, also whether sign-ins are failing everywhere (the signal)."""
    api = request.path.startswith("/api/")
    return ClientSignals(ip=client_ip(), user_agent=request.headers.get("User-Agent"),
                         device_id=None if api else device_id(), kind="api" if api else "browser",
                         under_attack=password_step and signin_under_attack())


def _set_device_cookie(response: Response) -> Response:
    if g.get("device_id_new"):
        set_cookie(response, DEVICE, g.device_id)
    return response


def install_device_cookie(bp: Blueprint) -> None:
    """Every response of the app sets the cookie when this request minted a device id."""
    bp.after_app_request(_set_device_cookie)


OUTCOME_LABELS = {
    "success": N_("Signed in"),
    "partial": N_("Password correct, next step asked"),
    "failure": N_("Failed"),
    "locked": N_("Refused: temporarily locked"),
    "throttled": N_("Refused: too many attempts from the network"),
    "blocked": N_("Blocked as too risky"),
}


def signin_outcome(outcome: str) -> str:
    return gettext(OUTCOME_LABELS[outcome]) if outcome in OUTCOME_LABELS else outcome


REASON_LABELS = {
    "new_device": N_("a device not seen on your account before"),
    "new_country": N_("a country you have not signed in from before"),
    "new_network": N_("a network you have not signed in from before"),
    "impossible_travel": N_("too far from your last sign-in for anyone to have travelled there since"),
    "after_credential_change": N_("a new device soon after your password or two-step verification changed"),
    "success_after_failures": N_("right after several wrong passwords"),
    "deny_listed": N_("a network we do not accept sign-ins from"),
    "unfamiliar_during_attack": N_("a device not seen on your account, while many sign-ins to the service were "
                                   "failing"),
}


def signin_reason(rule: str) -> str:
    return gettext(REASON_LABELS[rule]) if rule in REASON_LABELS else rule


def install_template_helpers(bp: Blueprint) -> None:
    bp.add_app_template_filter(signin_outcome, "signin_outcome")
    bp.add_app_template_filter(signin_reason, "signin_reason")
