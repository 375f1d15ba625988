"""The ceremony checks against recorded answers (tests/passkeys/fixtures/ceremonies.json, from a software
authenticator): a good answer passes once; another origin, another RP id, a used or other challenge, an unknown
credential and a missing user verification are refused and recorded."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest
from helpers.database import rows
from helpers.detection import run

from recovery.accounts.models import User
from recovery.events.models import SecurityEvent
from recovery.passkeys import service as passkeys
from recovery.passkeys.ceremonies import _PURPOSE, PREFERRED, REQUIRED
from recovery.passkeys.errors import PasskeyFlowInvalid, PasskeyInvalid, PasskeyRejected
from recovery.passkeys.models import AUTHENTICATE, REGISTER, SECOND_FACTOR, Passkey, PasskeyCeremony, PasskeyUserHandle
from recovery.passkeys.service import Where

RECORDED = json.loads((Path(__file__).parent / "fixtures" / "ceremonies.json").read_text())


def _bytes(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _ceremony(ctx, flow: str, purpose: str, user_id: int | None, challenge: str, verification: str) -> str:
    now = ctx.clock.now()
    ctx.session.add(PasskeyCeremony(flow_digest=ctx.tokens.digest(flow, _PURPOSE), purpose=purpose, user_id=user_id,
                                    challenge=_bytes(challenge), user_verification=verification, created_at=now,
                                    expires_at=now + timedelta(minutes=5)))
    ctx.session.flush()
    return flow


@pytest.fixture
def registered(services, ada):
    """Ada holds the recorded passkey (counter 1), registered through the service."""
    with services() as ctx:
        user = ctx.session.get(User, ada)
        ctx.session.add(PasskeyUserHandle(user_id=ada, handle=_bytes(RECORDED["user_handle"])))
        flow = _ceremony(ctx, "register-flow", REGISTER, ada, RECORDED["register_challenge"], PREFERRED)
        passkey = passkeys.finish_registration(ctx, user, flow, RECORDED["registration"], "Laptop", Where("Chrome"))
        return passkey.id


def _verify(services, ada, answer: str, *, purpose=AUTHENTICATE, verification=REQUIRED,
            challenge=RECORDED["authenticate_challenge"]):
    with services() as ctx:
        flow = _ceremony(ctx, f"flow-{answer}", purpose, None if purpose == AUTHENTICATE else ada, challenge,
                         verification)
    return run(services, lambda ctx: passkeys.verify_assertion(ctx, flow, RECORDED["assertions"][answer],
                                                               purpose=purpose).id)


def _failures(app, ada) -> list[str]:
    return [e.details["reason"] for e in rows(app, SecurityEvent, type="passkey.failed", user_id=ada)]


def test_registration_keeps_the_credential_and_sets_the_second_factor_flag(app, registered, ada, outbox):
    [passkey] = rows(app, Passkey, user_id=ada)
    assert passkey.id == registered and passkey.sign_count == 1 and passkey.name == "Laptop"
    assert passkey.user_verified and passkey.transports == "internal" and passkey.created_device == "Chrome"
    assert rows(app, User, id=ada)[0].second_factor_at is not None
    assert outbox(template="passkey_changed")


def test_registration_with_another_challenge_is_rejected(services, ada):
    with services() as ctx:
        flow = _ceremony(ctx, "register-other", REGISTER, ada, RECORDED["authenticate_challenge"], PREFERRED)
    with pytest.raises(PasskeyRejected), services() as ctx:
        passkeys.finish_registration(ctx, ctx.session.get(User, ada), flow, RECORDED["registration"], "x", Where())


def test_a_good_assertion_passes_and_advances_the_counter(app, registered, services, ada):
    assert _verify(services, ada, "good") == registered
    [passkey] = rows(app, Passkey, id=registered)
    assert passkey.sign_count > 1 and passkey.last_used_at is not None


def test_an_assertion_from_another_origin_is_refused(app, registered, services, ada):
    with pytest.raises(PasskeyInvalid):
        _verify(services, ada, "wrong_origin")
    assert _failures(app, ada) == ["origin"]


def test_an_assertion_for_another_rp_id_is_refused(app, registered, services, ada):
    with pytest.raises(PasskeyInvalid):
        _verify(services, ada, "wrong_rp_id")
    assert _failures(app, ada) == ["rp_id"]


def test_a_replayed_challenge_is_refused(app, registered, services, ada):
    with services() as ctx:
        flow = _ceremony(ctx, "once", AUTHENTICATE, None, RECORDED["authenticate_challenge"], REQUIRED)
    with services() as ctx:
        passkeys.verify_assertion(ctx, flow, RECORDED["assertions"]["good"], purpose=AUTHENTICATE)
    with pytest.raises(PasskeyFlowInvalid), services() as ctx:  # the ceremony was used up
        passkeys.verify_assertion(ctx, flow, RECORDED["assertions"]["good"], purpose=AUTHENTICATE)


def test_an_answer_to_another_challenge_is_refused(app, registered, services, ada):
    with pytest.raises(PasskeyInvalid):
        _verify(services, ada, "other_challenge")
    assert _failures(app, ada) == ["challenge"]


def test_an_unknown_credential_is_refused(app, registered, services, ada):
    with pytest.raises(PasskeyInvalid):
        _verify(services, ada, "unknown_credential")
    assert [e.details["reason"] for e in rows(app, SecurityEvent, type="passkey.failed")] == ["unknown_credential"]


def test_missing_user_verification_is_refused_when_required(app, registered, services, ada):
    with pytest.raises(PasskeyInvalid):
        _verify(services, ada, "no_user_verification")
    assert _failures(app, ada) == ["user_verification"]


def test_missing_user_verification_passes_as_a_second_factor(registered, services, ada):
    assert _verify(services, ada, "no_user_verification", purpose=SECOND_FACTOR, verification=PREFERRED) == registered


def test_an_expired_ceremony_is_refused(registered, services, ada, clock):
    with services() as ctx:
        flow = _ceremony(ctx, "late", AUTHENTICATE, None, RECORDED["authenticate_challenge"], REQUIRED)
    clock.advance(timedelta(minutes=6))
    with pytest.raises(PasskeyFlowInvalid), services() as ctx:
        passkeys.verify_assertion(ctx, flow, RECORDED["assertions"]["good"], purpose=AUTHENTICATE)


def test_a_counter_that_goes_back_is_refused_and_recorded(app, registered, services, ada):
    with services() as ctx:
        ctx.session.get(Passkey, registered).sign_count = 100  # the recorded answers count far lower
    with pytest.raises(PasskeyInvalid):
        _verify(services, ada, "good")
    [event] = rows(app, SecurityEvent, type="passkey.counter_regressed")
    assert event.user_id == ada and event.details["stored"] == 100


@pytest.mark.parametrize("credential", [None, "text", {}, {"id": "x" * 2000}, {"id": "AQEBAQEBAQEBAQEBAQEBAQ"},
                                        {"id": "AQEBAQEBAQEBAQEBAQEBAQ", "response": {"userHandle": "!!"}}])
def test_a_malformed_answer_is_refused_never_a_crash(registered, services, ada, credential):
    with services() as ctx:
        flow = _ceremony(ctx, "bad", AUTHENTICATE, None, RECORDED["authenticate_challenge"], REQUIRED)
    with pytest.raises(PasskeyInvalid), services() as ctx:
        passkeys.verify_assertion(ctx, flow, credential, purpose=AUTHENTICATE)
