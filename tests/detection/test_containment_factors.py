"""Containment removes the second factors added while the account was exposed (security review H1): a thief who
signed in with the stolen password and registered a passkey (or confirmed an authenticator) keeps nothing after
the stolen-account report, while the owner's older factors stay."""

from __future__ import annotations

from datetime import timedelta

from helpers.passkeys import SoftAuthenticator
from helpers.people import ADA
from helpers.phone import enroll_totp

from recovery.accounts.models import User
from recovery.detection.containment import secure_account
from recovery.detection.models import SigninAttempt
from recovery.events.models import SecurityEvent
from recovery.mfa.models import RecoveryCode, TotpAuthenticator
from recovery.passkeys.models import Passkey
from recovery.sessions.models import UserSession
from recovery.tickets.models import Ticket, TicketMessage


def _register(client, headers, key, name) -> None:
    body = client.post("/api/v1/passkeys/registration-options", headers=headers).get_json()
    created = client.post("/api/v1/passkeys", headers=headers,
                          json={"flow": body["flow"], "credential": key.register(body["options"]), "name": name})
    assert created.status_code == 201, created.get_json()


def _passkey_signin(client, key):
    options = client.post("/api/v1/passkeys/authentication-options", json={}).get_json()
    return client.post("/api/v1/sessions/passkey",
                       json={"flow": options["flow"], "credential": key.assert_(options["options"])})


def _secure(services, user_id, **kwargs):
    with services() as ctx:
        return secure_account(ctx, ctx.session.get(User, user_id), source="email_button", **kwargs).id


def _unlock(services, user_id) -> None:
    """As the security team leaves it after four-eyes: active again."""
    with services() as ctx:
        user = ctx.session.get(User, user_id)
        user.status, user.status_reason = "active", None


def _end_sessions(services, user_id) -> None:
    with services() as ctx:
        for session in ctx.session.query(UserSession).filter_by(user_id=user_id):
            session.revoked_at = ctx.clock.now()


def test_the_thiefs_passkey_is_removed_and_the_owners_older_one_stays(client, people, ada, services, outbox,
                                                                      clock):
    owner_key, thief_key = SoftAuthenticator(), SoftAuthenticator(credential_id=b"\x02" * 16)
    _register(client, people.headers(ada), owner_key, "Owner laptop")
    _end_sessions(services, ada)  # the owner signed out long ago
    clock.advance(timedelta(days=3))
    _register(client, people.headers(ada), thief_key, "Thief phone")  # signed in with the stolen password
    clock.advance(timedelta(minutes=5))
    ticket_id = _secure(services, ada)

    assert [p.name for p in people.rows(Passkey, user_id=ada)] == ["Owner laptop"]
    assert people.rows(User, id=ada)[0].second_factor_at is not None  # the owner's passkey is still a factor
    [ticket] = people.rows(Ticket, id=ticket_id)
    secured = people.rows(SecurityEvent, user_id=ada, type="account.secured")[0]
    assert [f["name"] for f in secured.details["factors_removed"]] == ["Thief phone"]
    assert [e.details.get("reason") for e in people.rows(SecurityEvent, user_id=ada, type="passkey.removed")] == [
        "account_secured"]
    [note] = [m.body for m in people.rows(TicketMessage, ticket_id=ticket_id) if "Thief phone" in (m.body or "")]
    assert "Owner laptop" not in note and "removed" in note
    assert [(a["name"], a["kind"]) for a in ticket.attachments if a["type"] == "second_factor_removed"] == [
        ("Thief phone", "passkey")]
    [mail] = outbox(to=ADA, template="account_secured")
    assert "Thief phone" in (mail.payload.get("text") or str(mail.payload))

    _unlock(services, ada)
    assert _passkey_signin(client, thief_key).status_code == 401
    assert _passkey_signin(client, owner_key).status_code == 201


def test_an_authenticator_confirmed_during_the_exposure_goes_with_its_recovery_codes(people, ada, services,
                                                                                     clock, outbox):
    _end_sessions(services, ada)
    clock.advance(timedelta(days=1))
    people.token(ada)  # the thief's session
    clock.advance(timedelta(minutes=1))
    with services() as ctx:
        enroll_totp(ctx, ctx.session.get(User, ada))  # the thief's authenticator, and its recovery codes
    _secure(services, ada)
    assert people.rows(TotpAuthenticator, user_id=ada) == []
    assert people.rows(RecoveryCode, user_id=ada) == []
    assert people.rows(User, id=ada)[0].second_factor_at is None
    [mail] = outbox(to=ADA, template="account_secured")
    assert "authenticator app" in (mail.payload.get("text") or str(mail.payload))


def test_without_a_live_session_the_reported_attempt_dates_the_exposure(client, people, ada, services, clock):
    key = SoftAuthenticator()
    _register(client, people.headers(ada), key, "Phone")
    _end_sessions(services, ada)
    clock.advance(timedelta(hours=2))
    _secure(services, ada)  # no live session, no attempt: nothing to date the exposure, nothing removed
    assert [p.name for p in people.rows(Passkey, user_id=ada)] == ["Phone"]


def test_the_reported_attempt_dates_the_exposure(client, people, ada, services, clock):
    older = SoftAuthenticator()
    _register(client, people.headers(ada), older, "Old key")
    _end_sessions(services, ada)
    clock.advance(timedelta(days=1))
    with services() as ctx:
        attempt = SigninAttempt(user_id=ada, created_at=ctx.clock.now(), account_key="k", stage="password",
                                outcome="success", kind="api")
        ctx.session.add(attempt)
        ctx.session.flush()
        attempt_id = attempt.id
    newer = SoftAuthenticator(credential_id=b"\x02" * 16)
    _register(client, people.headers(ada), newer, "New key")
    _end_sessions(services, ada)
    _secure(services, ada, attempt_id=attempt_id)
    assert [p.name for p in people.rows(Passkey, user_id=ada)] == ["Old key"]
