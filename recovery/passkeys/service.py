"""Passkeys: register, list, rename and remove an account's WebAuthn credentials, and verify an assertion for
the flows that use one (a second factor, a sign-in without a password, a reset).

For other packages (`from recovery.passkeys import service as passkeys`):
    begin_registration(ctx, user) -> Ceremony;  finish_registration(ctx, user, flow, credential, name, where)
    begin_authentication(ctx, *, purpose, user=None) -> Ceremony
    verify_assertion(ctx, flow, credential, *, purpose, user=None, where) -> Passkey
    list_passkeys, rename_passkey, remove_passkey, remove_all (support's MFA reset), has_passkey
Whether an account has a second factor is on its own row (accounts.set_second_factor): a first passkey sets it
when the account had none; the MFA capability, which reads this one, clears it when no factor is left.
Errors: see recovery/passkeys/errors.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, literal, select
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse

from recovery.accounts.models import User
from recovery.accounts.notify import notify_security
from recovery.accounts.service import set_second_factor
from recovery.context import ServiceContext
from recovery.db import rowcount
from recovery.errors import N_, NotFound
from recovery.events.service import SecurityEvent, record_event
from recovery.passkeys import ceremonies
from recovery.passkeys.ceremonies import PREFERRED, REQUIRED, Ceremony
from recovery.passkeys.errors import PasskeyInvalid, PasskeyRejected
from recovery.passkeys.models import (
    AUTHENTICATE,
    REGISTER,
    SECOND_FACTOR,
    Passkey,
    PasskeyCeremony,
    PasskeyUserHandle,
)
from recovery.passkeys.queries import has_any

__all__ = ["AUTHENTICATE", "SECOND_FACTOR", "Assertion", "Ceremony", "Passkey", "Where", "begin_authentication",
           "begin_registration", "finish_registration", "has_passkey", "list_passkeys", "remove_added_since",
           "remove_all", "remove_passkey", "rename_passkey", "verify_assertion"]

CHANGED_TEMPLATE = "passkey_changed"
MAX_PASSKEYS = 20


@dataclass(frozen=True)
class Where:
    """Where a passkey was made or used, as the account holder reads it (the caller observed it)."""

    device: str = ""
    place: str = ""

    @classmethod
    def of(cls, browser: str | None, os: str | None, city: str | None, country: str | None) -> Where:
        device = " / ".join(part for part in (browser, os) if part)
        return cls(device[:200], ", ".join(part for part in (city, country) if part)[:200])


# --- registration ----------------------------------------------------------------------------------------

def begin_registration(ctx: ServiceContext, user: User) -> Ceremony:
    """Options for a new passkey of this account (the caller has re-authenticated it)."""
    return ceremonies.registration_options(ctx, user_id=user.id, handle=_handle(ctx, user), name=user.email,
                                           existing=list_passkeys(ctx, user))


def _handle(ctx: ServiceContext, user: User) -> bytes:
    row = ctx.session.get(PasskeyUserHandle, user.id)
    if row is None:
        row = PasskeyUserHandle(user_id=user.id, handle=ceremonies.random_bytes(ctx, 64))
        ctx.session.add(row)
        ctx.session.flush()
    return row.handle


def finish_registration(ctx: ServiceContext, user: User, flow: object, credential: object, name: str,
                        where: Where) -> Passkey:
    """Check the authenticator's answer to begin_registration's options and keep the credential; every address
    on file is told. PasskeyFlowInvalid, PasskeyRejected."""
    ceremony = ceremonies.take(ctx, flow, REGISTER)
    if ceremony.user_id != user.id:
        raise PasskeyRejected()
    if not isinstance(credential, dict):
        raise PasskeyRejected()
    try:
        verified = ceremonies.check_registration(ctx, ceremony, credential)
    except Exception:  # noqa: BLE001 - any malformed or failing answer is the client's, never a 500
        failed = _failed(ctx, user.id, "registration")
        raise PasskeyRejected(persist=[failed, ceremonies.used_up(ceremony.id)]) from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if ctx.session.scalar(select(exists().where(Passkey.credential_id == credential_id))):
        raise PasskeyRejected(N_("This passkey is already registered."))
    if len(list_passkeys(ctx, user)) >= MAX_PASSKEYS:
        raise PasskeyRejected(N_("You have as many passkeys as an account can hold. Remove one first."))
    now = ctx.clock.now()
    transports = credential.get("response", {}).get("transports") if isinstance(credential.get("response"),
                                                                                 dict) else None
    passkey = Passkey(
        user_id=user.id, credential_id=credential_id, public_key=verified.credential_public_key,
        sign_count=verified.sign_count, transports=_transports(transports), name=_name(name), aaguid=verified.aaguid,
        backup_eligible=verified.credential_device_type == "multi_device",
        backup_state=verified.credential_backed_up, user_verified=verified.user_verified, created_at=now,
        created_device=where.device, created_place=where.place, last_used_device="", last_used_place="")
    ctx.session.add(passkey)
    if user.second_factor_at is None:
        set_second_factor(ctx, user, now)
    ctx.session.flush()
    record_event(ctx, "passkey.added", user_id=user.id, passkey_id=passkey.id, name=passkey.name,
                 user_verified=passkey.user_verified, synced=passkey.backup_eligible)
    notify_security(ctx, user, CHANGED_TEMPLATE, change="added", name=passkey.name)
    return passkey


def _transports(value: object) -> str:
    if not isinstance(value, list):
        return ""
    return ",".join(t for t in value if isinstance(t, str) and t.isascii() and len(t) <= 16)[:200]


def _name(name: str) -> str:
    return " ".join((name or "").split())[:100] or "Passkey"


# --- authentication --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Assertion:
    """An authenticator's answer to a ceremony (AuthenticationResponseJSON), offered as a factor, and where the
    client was when it answered."""

    flow: str
    credential: dict
    where: Where = Where()


def begin_authentication(ctx: ServiceContext, *, purpose: str, user: User | None = None) -> Ceremony:
    """Options for navigator.credentials.get(). Without a password (`purpose` AUTHENTICATE) any discoverable
    passkey answers and the authenticator must verify its user (it is both factors); as a second factor
    (SECOND_FACTOR, the account known) only this account's passkeys, presence enough."""
    if purpose == AUTHENTICATE:
        return ceremonies.authentication_options(ctx, purpose=purpose, user_id=None, allowed=[],
                                                 verification=REQUIRED)
    assert user is not None
    return ceremonies.authentication_options(ctx, purpose=purpose, user_id=user.id,
                                             allowed=list_passkeys(ctx, user), verification=PREFERRED)


def verify_assertion(ctx: ServiceContext, flow: object, credential: object, *, purpose: str | tuple[str, ...],
                     user: User | None = None, where: Where = Where()) -> Passkey:
    """The passkey that signed this ceremony's challenge, its counter and last use updated; PasskeyFlowInvalid
    (ask for new options) or PasskeyInvalid (failures recorded, kept through the rollback, and the ceremony used
    up all the same). A counter that goes back is refused as a cloned authenticator and recorded as
    `passkey.counter_regressed`. `purpose` may name several (a second factor also takes a passwordless
    ceremony's answer, which asked for more)."""
    ceremony = ceremonies.take(ctx, flow, purpose)
    try:
        return _verified(ctx, ceremony, credential, user, where)
    except PasskeyInvalid as error:
        error.persist.append(ceremonies.used_up(ceremony.id))
        raise


def _verified(ctx: ServiceContext, ceremony: PasskeyCeremony, credential: object, user: User | None,
              where: Where) -> Passkey:
    purpose = ceremony.purpose
    expected_user = user.id if user is not None else ceremony.user_id
    credential = credential if isinstance(credential, dict) else {}
    passkey = _presented(ctx, credential)
    if passkey is None or (expected_user is not None and passkey.user_id != expected_user):
        raise PasskeyInvalid(persist=[_failed(ctx, expected_user, "unknown_credential")])
    if purpose == AUTHENTICATE and not _handle_matches(ctx, passkey, credential):
        raise PasskeyInvalid(persist=[_failed(ctx, passkey.user_id, "user_handle")])
    try:
        verified = ceremonies.check_assertion(ctx, ceremony, credential, passkey)
    except InvalidAuthenticationResponse as error:
        raise PasskeyInvalid(persist=[_failed(ctx, passkey.user_id, _reason(str(error)))]) from None
    except Exception:  # noqa: BLE001 - a malformed answer is the client's, never a 500
        raise PasskeyInvalid(persist=[_failed(ctx, passkey.user_id, "malformed")]) from None
    if (verified.new_sign_count > 0 or passkey.sign_count > 0) and verified.new_sign_count <= passkey.sign_count:
        raise PasskeyInvalid(persist=[record_event(
            ctx, "passkey.counter_regressed", user_id=passkey.user_id, actor=ctx.actor.as_user(passkey.user_id),
            passkey_id=passkey.id, name=passkey.name, stored=passkey.sign_count, presented=verified.new_sign_count)])
    passkey.sign_count = verified.new_sign_count
    passkey.backup_state, passkey.user_verified = verified.credential_backed_up, verified.user_verified
    passkey.last_used_at, passkey.last_used_device, passkey.last_used_place = ctx.clock.now(), where.device, where.place
    record_event(ctx, "passkey.used", user_id=passkey.user_id, actor=ctx.actor.as_user(passkey.user_id),
                 passkey_id=passkey.id, purpose=purpose, user_verified=verified.user_verified)
    ctx.session.flush()
    return passkey


def _presented(ctx: ServiceContext, credential: dict) -> Passkey | None:
    credential_id = credential.get("rawId") or credential.get("id")
    if not isinstance(credential_id, str) or not credential_id or len(credential_id) > 1400:
        return None
    return ctx.session.scalar(select(Passkey).where(Passkey.credential_id == credential_id.rstrip("=")))


def _handle_matches(ctx: ServiceContext, passkey: Passkey, credential: dict) -> bool:
    """A discoverable credential names its account by the user handle: it must be the passkey's account's."""
    response = credential.get("response")
    handle = response.get("userHandle") if isinstance(response, dict) else None
    if not handle:
        return True  # optional in the answer; the credential id already named the account
    row = ctx.session.get(PasskeyUserHandle, passkey.user_id)
    try:
        return row is not None and ceremonies.base64url_to_bytes(handle) == row.handle
    except Exception:  # noqa: BLE001 - not base64url
        return False


def _reason(message: str) -> str:
    lowered = message.lower()
    for needle, reason in (("origin", "origin"), ("rp id", "rp_id"), ("challenge", "challenge"),
                           ("verification", "user_verification"), ("signature", "signature"),
                           ("present", "user_presence")):
        if needle in lowered:
            return reason
    return "invalid"


def _failed(ctx: ServiceContext, user_id: int | None, reason: str) -> SecurityEvent:
    actor = ctx.actor.as_user(user_id) if user_id is not None else None
    return record_event(ctx, "passkey.failed", user_id=user_id, actor=actor, reason=reason)


# --- management ------------------------------------------------------------------------------------------

def list_passkeys(ctx: ServiceContext, user: User) -> list[Passkey]:
    return list(ctx.session.scalars(select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.id)))


def has_passkey(ctx: ServiceContext, user_id: int) -> bool:
    return bool(ctx.session.scalar(select(has_any(literal(user_id)))))


def get_passkey(ctx: ServiceContext, user: User, passkey_id: int) -> Passkey:
    passkey = ctx.session.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != user.id:
        raise NotFound()
    return passkey


def rename_passkey(ctx: ServiceContext, user: User, passkey_id: int, name: str) -> Passkey:
    """Rename one passkey; every address on file is told (a new name can disguise a passkey someone else added)."""
    passkey = get_passkey(ctx, user, passkey_id)
    old, passkey.name = passkey.name, _name(name)
    record_event(ctx, "passkey.renamed", user_id=user.id, passkey_id=passkey.id, old=old, name=passkey.name)
    ctx.session.flush()
    notify_security(ctx, user, CHANGED_TEMPLATE, change="renamed", name=passkey.name, old_name=old)
    return passkey


def remove_passkey(ctx: ServiceContext, user: User, passkey_id: int, *, other_factor: bool) -> None:
    """Remove one passkey (the caller re-authenticated); every address on file is told. `other_factor`: whether
    the account keeps a second factor besides its passkeys (MFA knows), so the flag goes when none is left."""
    passkey = get_passkey(ctx, user, passkey_id)
    name = passkey.name
    ctx.session.delete(passkey)
    ctx.session.flush()
    if not other_factor and not has_passkey(ctx, user.id):
        set_second_factor(ctx, user, None)
    record_event(ctx, "passkey.removed", user_id=user.id, passkey_id=passkey_id, name=name)
    notify_security(ctx, user, CHANGED_TEMPLATE, change="removed", name=name)


def remove_all(ctx: ServiceContext, user_id: int) -> int:
    """Every passkey of the account (support's MFA reset, which also clears the flag and tells the holder)."""
    result = ctx.session.execute(delete(Passkey).where(Passkey.user_id == user_id)
                                 .execution_options(synchronize_session="fetch"))
    return rowcount(result)


def remove_added_since(ctx: ServiceContext, user: User, since: datetime, *, reason: str) -> list[Passkey]:
    """Remove every passkey of the account registered at or after `since` (containment: a thief's passkey must
    not outlive the stolen-account report); returns the removed rows, read before removal. Nobody is emailed
    here and the second-factor flag is MFA's to settle (it knows whether another factor is left)."""
    rows = list(ctx.session.scalars(select(Passkey).where(Passkey.user_id == user.id, Passkey.created_at >= since)
                                    .order_by(Passkey.id)))
    for passkey in rows:
        ctx.session.delete(passkey)
        record_event(ctx, "passkey.removed", user_id=user.id, passkey_id=passkey.id, name=passkey.name,
                     reason=reason)
    ctx.session.flush()
    return rows
