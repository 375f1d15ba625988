"""Changes to an account's passkeys that other capabilities have a say in: where the client is (detection
observes it for the passkey's list) and whether the last factor may go (MFA's TOTP, the staff requirement)."""

from __future__ import annotations

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.detection import service as detection
from recovery.detection.service import ClientSignals
from recovery.mfa import service as mfa
from recovery.mfa.errors import StaffMustKeepMfa
from recovery.passkeys import service as passkeys
from recovery.passkeys.service import Passkey, Where


def where(ctx: ServiceContext, signals: ClientSignals) -> Where:
    observation = detection.observe(ctx, signals)
    return Where.of(observation.browser, observation.os, observation.place.city, observation.place.country)


def add_passkey(ctx: ServiceContext, user: User, flow: object, credential: object, name: str,
                signals: ClientSignals) -> Passkey:
    return passkeys.finish_registration(ctx, user, flow, credential, name, where(ctx, signals))


def is_last_factor(ctx: ServiceContext, user: User) -> bool:
    """Removing one passkey would leave the account without a second factor (no TOTP, no other passkey)."""
    return not mfa.totp_enabled(ctx, user) and len(passkeys.list_passkeys(ctx, user)) <= 1


def remove_passkey(ctx: ServiceContext, user: User, passkey_id: int) -> None:
    """Remove one passkey (re-authenticated; every address is told). A staff account keeps a second factor, and
    a passkey when the operator requires a phishing-resistant one."""
    passkeys.get_passkey(ctx, user, passkey_id)  # NotFound first: another account's id tells nothing
    settings = ctx.settings
    last_passkey = len(passkeys.list_passkeys(ctx, user)) <= 1
    if user.is_staff and ((settings.staff_require_mfa and is_last_factor(ctx, user))
                          or (settings.staff_require_phishing_resistant and last_passkey)):
        raise StaffMustKeepMfa()
    passkeys.remove_passkey(ctx, user, passkey_id, other_factor=mfa.totp_enabled(ctx, user))
