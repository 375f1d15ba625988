"""Every rate limit the app declares, one row each, and the keys they count by.

`recovery.web.ratelimit.limit(*names)` builds a view's decorator from these rows; `FAIL_CLOSED` is read from
them. A row's scope is the name its counters are stored under (shared by every view that names the row, the
page and the API alike), what the README and docs call the limit. Every limit counts POST requests only.

fail_closed: what the limit does while its storage (Redis) cannot be reached; docs/operations.md, "What each
dependency's failure does to users". Closed (503 with Retry-After): the budgets between an attacker and a
guess (passwords, second factors, emailed codes, reset links) and those of mail sent to an address the
requester typed. Open (skipped, the request goes on): every other limit, above all the "secure my account"
and sign-in notice links, which can only lock an account and must work most of all during an incident.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import attrgetter

from flask import request

from recovery.emails import normalise_email
from recovery.reset.policy import reset_policy
from recovery.settings import Settings
from recovery.web.auth import current_user
from recovery.web.context import client_ip, runtime

NETWORK_PREFIX_V4, NETWORK_PREFIX_V6 = 24, 64


def ip_key() -> str:
    return client_ip() or "unknown"


def network_key() -> str:
    """The client's /24 (IPv4) or /64 (IPv6): one attacker holds a whole IPv6 /64, and often a /24."""
    ip = client_ip() or ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return f"net:{ip or 'unknown'}"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = NETWORK_PREFIX_V4 if address.version == 4 else NETWORK_PREFIX_V6
    return "net:" + str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def _submitted(field: str) -> str:
    """The address a form or JSON body names in `field`, normalised."""
    data = request.get_json(silent=True) if request.is_json else request.form
    raw = data.get(field, "") if isinstance(data, Mapping) else ""
    return normalise_email(raw if isinstance(raw, str) else "")


def submitted_email() -> str:
    """The email a form or JSON body names, normalised; rate limits key on its HMAC, never the address itself."""
    return _submitted("email")


def email_key() -> str:
    return "email:" + runtime().tokens.key_for(submitted_email(), "ratelimit-email")


def contact_key() -> str:
    """The address a recovery request asks to be answered at (`contact_email`), by its HMAC."""
    return "contact:" + runtime().tokens.key_for(_submitted("contact_email"), "ratelimit-email")


def user_key() -> str:
    user = current_user()
    return f"user:{user.id}" if user else "user:anonymous"


def status_link_key() -> str:
    """The status link in the URL (its HMAC, never the link): one key per ticket, whatever the door or the IP;
    a forged link is a key of its own, so it cannot spend the real requester's budget."""
    token = str((request.view_args or {}).get("token", ""))
    return "status-link:" + runtime().tokens.key_for(token, "ratelimit-status-link")


def signed_in() -> bool:
    return current_user() is not None


_FAMILIAR: list[Callable[[], bool]] = []


def exempt_familiar_devices(check: Callable[[], bool]) -> None:
    """The sign-in flow tells the limits how to recognise a browser the account has signed in from before
    (registered by recovery.signin.views, which this module cannot import)."""
    if check not in _FAMILIAR:
        _FAMILIAR.append(check)


def familiar_device() -> bool:
    """This sign-in comes from a browser its account has signed in from: the account's and the network's failure
    walls, which anyone elsewhere can fill, do not refuse it (docs/security.md, "Targeted lockout")."""
    return any(check() for check in _FAMILIAR)


def _fixed(amount: str) -> Callable[[Settings], str]:
    return lambda _settings: amount


def _reset(field: str) -> Callable[[Settings], str]:
    return lambda settings: getattr(reset_policy(settings), field)


_SIGNIN, _SIGNUP, _INTAKE = attrgetter("signin_limits"), attrgetter("signup_limits"), attrgetter("ticket_intake_limits")


@dataclass(frozen=True, kw_only=True)
class LimitRow:
    name: str
    amount: Callable[[Settings], str]  # limits' notation, read per request (tests build apps with other limits)
    key: Callable[[], str] = ip_key
    fail_closed: bool
    failures_only: bool = False  # counts only requests whose credentials were wrong (g.auth_failed)
    costlier_under_attack: bool = False  # a failure costs signin_attack_network_cost while the global signal is up
    exempt_when: Callable[[], bool] | None = None
    scope: str = ""  # the storage name when it is not the row's name

    @property
    def stored_as(self) -> str:
        return self.scope or self.name


def _rows(*rows: LimitRow) -> dict[str, LimitRow]:
    return {row.name: row for row in rows}


LIMITS = _rows(
    # Sign-in failures, page and API: per IP, per network prefix and per account (docs/security.md).
    LimitRow(name="signin-ip", amount=_SIGNIN, failures_only=True, fail_closed=True),
    LimitRow(name="signin-network", amount=attrgetter("signin_network_limits"), key=network_key,
             failures_only=True, costlier_under_attack=True, exempt_when=familiar_device, fail_closed=True),
    LimitRow(name="signin-account", amount=_SIGNIN, key=email_key, failures_only=True, exempt_when=familiar_device,
             fail_closed=True),
    # Wrong passwords typed by a signed-in user (re-authentication, password change, MFA changes).
    LimitRow(name="confirm-password", amount=_SIGNIN, key=user_key, failures_only=True, fail_closed=True),
    # Every password change posted: each costs two argon2 hashes and an estimate.
    LimitRow(name="password-change", amount=attrgetter("password_change_limits"), key=user_key,
             fail_closed=True),
    # Sign-up, verification and resending codes: every attempt, per IP and per address.
    LimitRow(name="signup-ip", amount=_SIGNUP, fail_closed=True),
    LimitRow(name="signup-account", amount=_SIGNUP, key=email_key, fail_closed=True),
    LimitRow(name="verify-ip", amount=_SIGNUP, fail_closed=True),
    LimitRow(name="verify-account", amount=_SIGNUP, key=email_key, fail_closed=True),
    LimitRow(name="resend-ip", amount=_SIGNUP, fail_closed=True),
    LimitRow(name="resend-account", amount=_SIGNUP, key=email_key, fail_closed=True),
    # Contact addresses: mail sent and codes checked, per signed-in account.
    LimitRow(name="contact-add", amount=_SIGNUP, key=user_key, fail_closed=True),
    LimitRow(name="contact-verify", amount=_SIGNUP, key=user_key, fail_closed=True),
    # Wrong second factors per IP across accounts (the per-account budget is the MFA service's, any IP).
    LimitRow(name="mfa-ip", amount=attrgetter("mfa_ip_limits"), failures_only=True, fail_closed=True),
    # Password reset: requests and new-password forms per IP (429); the per-address cap is silent
    # (recovery/reset/quota.py counts it itself, after the commit).
    LimitRow(name="reset-request-ip", amount=_reset("request_ip_limit"), fail_closed=True),
    LimitRow(name="reset-confirm-ip", amount=_reset("confirm_ip_limit"), fail_closed=True),
    LimitRow(name="password-reset-email", amount=_reset("per_email_limit"), key=email_key, fail_closed=True),
    # Appeals and recovery requests, and their codes: per IP and per address typed.
    LimitRow(name="appeal-ip", amount=_INTAKE, fail_closed=True),
    LimitRow(name="appeal-email", amount=_INTAKE, key=email_key, fail_closed=True),
    LimitRow(name="appeal-confirm-ip", amount=_INTAKE, fail_closed=True),
    LimitRow(name="appeal-confirm-email", amount=_INTAKE, key=email_key, fail_closed=True),
    LimitRow(name="recover-ip", amount=_INTAKE, fail_closed=True),
    LimitRow(name="recover-email", amount=_INTAKE, key=contact_key, fail_closed=True),
    LimitRow(name="recover-confirm-ip", amount=_INTAKE, fail_closed=True),
    LimitRow(name="recover-confirm-email", amount=_INTAKE, key=contact_key, fail_closed=True),
    # The assistant (recovery/assistant/view_kit.py): conversations and messages per IP; the hand-off's emailed
    # code, and the contact form's (limit_intake("contact")), like an appeal's: per IP and per address typed.
    LimitRow(name="assistant-start-ip", amount=_fixed("20 per hour"), fail_closed=False),
    LimitRow(name="assistant-message-ip", amount=_fixed("200 per hour"), fail_closed=False),
    LimitRow(name="assistant-contact-ip", amount=_INTAKE, fail_closed=True),
    LimitRow(name="assistant-contact-email", amount=_INTAKE, key=email_key, fail_closed=True),
    LimitRow(name="assistant-confirm-ip", amount=_INTAKE, fail_closed=True),
    LimitRow(name="assistant-confirm-email", amount=_INTAKE, key=email_key, fail_closed=True),
    LimitRow(name="contact-ip", amount=_INTAKE, fail_closed=True),
    LimitRow(name="contact-email", amount=_INTAKE, key=email_key, exempt_when=signed_in, fail_closed=True),
    LimitRow(name="contact-user", amount=_INTAKE, key=user_key, fail_closed=True),
    LimitRow(name="contact-confirm-ip", amount=_INTAKE, fail_closed=True),
    LimitRow(name="contact-confirm-email", amount=_INTAKE, key=email_key, fail_closed=True),
    LimitRow(name="deflection-ip", amount=_fixed("60 per hour"), fail_closed=False),
    # A requester's replies through the status link (page, JSON, evidence upload): per link and per IP.
    LimitRow(name="evidence-ip", amount=_INTAKE, fail_closed=False),
    LimitRow(name="status-reply", amount=_INTAKE, key=status_link_key, fail_closed=False),
    # Detection's links and code pages, each counted under its endpoint's name. Signed out, /secure-account
    # emails a "secure" button to whatever address is typed: capped per address too, so rotating IPs cannot
    # flood someone's mailbox.
    LimitRow(name="secure-account-ip", scope="detection.secure_account", amount=_fixed("30 per hour"),
             fail_closed=False),
    LimitRow(name="secure-account-email", scope="detection.secure_account", amount=_fixed("3 per hour"),
             key=email_key, exempt_when=signed_in, fail_closed=False),
    LimitRow(name="notice-link-ip", scope="detection.notice_link", amount=_fixed("30 per hour"), fail_closed=False),
    LimitRow(name="secure-password-ip", scope="detection.secure_password", amount=_fixed("30 per hour"),
             fail_closed=False),
    LimitRow(name="step-up-ip", scope="signin.step_up", amount=_fixed("30 per hour"), fail_closed=True),
    LimitRow(name="step-up-api-ip", scope="signin_api.step_up", amount=_fixed("30 per hour"), fail_closed=True),
    # Passkeys (recovery/passkeys/view_kit.py): ceremonies begun per IP (each a row until used or expired),
    # refused passkey sign-ins per IP (a signature is not guessed: open while the storage is away), changes per
    # account.
    LimitRow(name="passkey-options-ip", amount=_fixed("60 per 5 minutes"), fail_closed=False),
    LimitRow(name="passkey-signin-ip", amount=_SIGNIN, failures_only=True, fail_closed=False),
    LimitRow(name="passkey-change", amount=_fixed("20 per hour"), key=user_key, fail_closed=False),
    # The help centre (recovery/help/view_kit.py): searches per IP (pages and API; each is counted as a row),
    # "Was this helpful?" answers per IP. Open while the storage is away: nothing here is a secret.
    LimitRow(name="help-search-ip", amount=_fixed("120 per minute"), fail_closed=False),
    LimitRow(name="help-feedback-ip", amount=_fixed("30 per hour"), fail_closed=False),
)

FAIL_CLOSED = frozenset(row.stored_as for row in LIMITS.values() if row.fail_closed)
