"""Passkeys and the account's second-factor flag: a passkey keeps it (TOTP turned off), the sync job sets it for a
passkey-only account whose flag was never written, and the sign-in asks for the second factor either way."""

from __future__ import annotations

from datetime import timedelta

from helpers.passkeys import SoftAuthenticator
from helpers.people import PASSWORD
from helpers.phone import enroll_totp
from helpers.signin import api_signin

from recovery.accounts.models import User
from recovery.mfa import service as mfa
from recovery.passkeys.models import Passkey


def _register(client, people, ada) -> None:
    headers = people.headers(ada)
    body = client.post("/api/v1/passkeys/registration-options", headers=headers).get_json()
    answer = client.post("/api/v1/passkeys", headers=headers, json={
        "flow": body["flow"], "credential": SoftAuthenticator().register(body["options"]), "name": "k"})
    assert answer.status_code == 201


def test_the_sync_job_flags_a_passkey_only_account(client, people, ada, services, clock):
    _register(client, people, ada)
    with services() as ctx:
        ctx.session.get(User, ada).second_factor_at = None  # what an older release leaves
    assert api_signin(client, PASSWORD).get_json()["mfa_required"] is True  # fail safe meanwhile
    clock.advance(timedelta(minutes=1))
    with services() as ctx:
        assert mfa.sync_second_factor(ctx) == 1
        assert mfa.sync_second_factor(ctx) == 0
    [passkey] = people.rows(Passkey, user_id=ada)
    assert people.rows(User, id=ada)[0].second_factor_at == passkey.created_at


def test_the_sync_job_leaves_a_passkey_accounts_flag_alone(client, people, ada, services):
    _register(client, people, ada)
    with services() as ctx:
        assert mfa.sync_second_factor(ctx) == 0
    assert people.rows(User, id=ada)[0].second_factor_at is not None


def test_turning_totp_off_keeps_the_flag_while_a_passkey_remains(client, people, ada, services):
    with services() as ctx:
        phone = enroll_totp(ctx, ctx.session.get(User, ada))
    _register(client, people, ada)
    with services() as ctx:
        mfa.disable_totp(ctx, ctx.session.get(User, ada), password=PASSWORD, code=phone.code())
    assert people.rows(User, id=ada)[0].second_factor_at is not None
    assert api_signin(client, PASSWORD).get_json()["mfa_required"] is True
