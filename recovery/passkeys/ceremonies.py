"""The WebAuthn ceremonies: options with a server-side challenge, and the checks of what the authenticator
answers, through py_webauthn (origin, RP id, challenge, signature, user presence and verification).

```mermaid
stateDiagram-v2
    [*] --> pending: begin (options to the client, the challenge kept here, the flow id to the client)
    pending --> [*]: take (one conditional DELETE: the first answer uses it, right or wrong)
    pending --> [*]: passkey_ceremony_minutes pass (prune_expired)
```

A counter that goes back is checked here rather than by the library, so it can be told apart from a bad
signature and recorded: only the holder of the private key (or of a copy of it) can sign one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from recovery.context import ServiceContext
from recovery.db import rowcount
from recovery.passkeys.errors import PasskeyFlowInvalid
from recovery.passkeys.models import Passkey, PasskeyCeremony

CEREMONY_MINUTES = 5
TIMEOUT_MS = CEREMONY_MINUTES * 60 * 1000
_PURPOSE = "passkey-flow"
REQUIRED, PREFERRED = UserVerificationRequirement.REQUIRED.value, UserVerificationRequirement.PREFERRED.value
_TRANSPORTS = {t.value for t in AuthenticatorTransport}


@dataclass(frozen=True)
class Ceremony:
    """What the client is given: the options in the WebAuthn JSON form and the flow id that names them."""

    options: dict
    flow: str


def random_bytes(ctx: ServiceContext, n: int) -> bytes:
    """n random bytes from the injected randomness (the token seam)."""
    return base64url_to_bytes(ctx.tokens.opaque(n))


def _start(ctx: ServiceContext, purpose: str, user_id: int | None, challenge: bytes, verification: str) -> str:
    now = ctx.clock.now()
    flow = ctx.tokens.opaque(32)
    ctx.session.add(PasskeyCeremony(flow_digest=ctx.tokens.digest(flow, _PURPOSE), purpose=purpose, user_id=user_id,
                                    challenge=challenge, user_verification=verification, created_at=now,
                                    expires_at=now + timedelta(minutes=CEREMONY_MINUTES)))
    ctx.session.flush()
    return flow


def registration_options(ctx: ServiceContext, *, user_id: int, handle: bytes, name: str,
                         existing: list[Passkey]) -> Ceremony:
    """Options for navigator.credentials.create(): a discoverable credential, no attestation."""
    challenge = random_bytes(ctx, 32)
    options = generate_registration_options(
        rp_id=ctx.settings.rp_id, rp_name=ctx.settings.mfa_issuer, user_id=handle, user_name=name,
        user_display_name=name, challenge=challenge, timeout=TIMEOUT_MS,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, user_verification=UserVerificationRequirement.PREFERRED),
        exclude_credentials=[_descriptor(p) for p in existing])
    flow = _start(ctx, "register", user_id, challenge, PREFERRED)
    return Ceremony(json.loads(options_to_json(options)), flow)


def authentication_options(ctx: ServiceContext, *, purpose: str, user_id: int | None, allowed: list[Passkey],
                           verification: str) -> Ceremony:
    """Options for navigator.credentials.get(); `allowed` empty for a discoverable credential."""
    challenge = random_bytes(ctx, 32)
    options = generate_authentication_options(
        rp_id=ctx.settings.rp_id, challenge=challenge, timeout=TIMEOUT_MS,
        allow_credentials=[_descriptor(p) for p in allowed],
        user_verification=UserVerificationRequirement(verification))
    flow = _start(ctx, purpose, user_id, challenge, verification)
    return Ceremony(json.loads(options_to_json(options)), flow)


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    transports = [AuthenticatorTransport(t) for t in passkey.transports.split(",") if t in _TRANSPORTS]
    return PublicKeyCredentialDescriptor(id=base64url_to_bytes(passkey.credential_id), transports=transports or None)


def take(ctx: ServiceContext, flow: object, purpose: str | tuple[str, ...]) -> PasskeyCeremony:
    """The live ceremony behind a flow id, used up by one conditional DELETE (of two answers with one flow, one
    wins); PasskeyFlowInvalid when unknown, expired, of another purpose or already used."""
    purposes = (purpose,) if isinstance(purpose, str) else purpose
    if not isinstance(flow, str) or not flow or len(flow) > 128:
        raise PasskeyFlowInvalid()
    row = ctx.session.scalar(select(PasskeyCeremony).where(
        PasskeyCeremony.flow_digest == ctx.tokens.digest(flow, _PURPOSE)))
    if row is None or row.purpose not in purposes or row.expires_at <= ctx.clock.now():
        raise PasskeyFlowInvalid()
    used = ctx.session.execute(delete(PasskeyCeremony).where(PasskeyCeremony.id == row.id)
                               .execution_options(synchronize_session=False))
    if rowcount(used) != 1:
        raise PasskeyFlowInvalid()
    ctx.session.expunge(row)
    return row


def used_up(ceremony_id: int):
    """For an error's `persist`: the ceremony stays used although the failed request rolls back."""
    return lambda session: session.execute(delete(PasskeyCeremony).where(PasskeyCeremony.id == ceremony_id))


def check_registration(ctx: ServiceContext, ceremony: PasskeyCeremony, credential: dict):
    """py_webauthn's registration checks (type, challenge, origin, RP id, user presence, the key's algorithm);
    raises whatever it raises for a bad or malformed answer."""
    return verify_registration_response(
        credential=credential, expected_challenge=ceremony.challenge, expected_rp_id=ctx.settings.rp_id,
        expected_origin=ctx.settings.webauthn_accepted_origins, require_user_verification=False)


def check_assertion(ctx: ServiceContext, ceremony: PasskeyCeremony, credential: dict, passkey: Passkey):
    """py_webauthn's assertion checks, the counter left to the caller (see the module docstring)."""
    return verify_authentication_response(
        credential=credential, expected_challenge=ceremony.challenge, expected_rp_id=ctx.settings.rp_id,
        expected_origin=ctx.settings.webauthn_accepted_origins, credential_public_key=passkey.public_key,
        credential_current_sign_count=0, require_user_verification=ceremony.user_verification == REQUIRED)


def prune_expired(ctx: ServiceContext) -> int:
    """Delete ceremonies past their expiry (a periodic job); returns how many."""
    result = ctx.session.execute(delete(PasskeyCeremony).where(PasskeyCeremony.expires_at <= ctx.clock.now())
                                 .execution_options(synchronize_session=False))
    return rowcount(result)
