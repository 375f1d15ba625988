"""Account pre-hijacking: someone signs up with another person's address and a password of their own, hoping the
address's owner verifies the account from the unsolicited email. Verifying needs the creator's password too, and
the owner's way in is a reset link, which takes the account from whoever created it."""

from __future__ import annotations

import pytest
from helpers.csrf import csrf_from
from helpers.mail import RESET_LINK, code_in
from helpers.people import PASSWORD

from recovery.accounts.models import EmailVerification, User

VICTIM = "victim@example.com"
ATTACKERS_PASSWORD = PASSWORD  # chosen by the attacker at sign-up
VICTIMS_PASSWORD = "the owner's own long passphrase here"


@pytest.fixture
def app_settings(app_settings, request):
    """A test may carry its own settings as `test_function.settings`."""
    return {**app_settings, **getattr(request.function, "settings", {})}


def _attacker_signs_up(client, outbox) -> str:
    assert client.post("/api/v1/accounts", json={"email": VICTIM, "password": ATTACKERS_PASSWORD}).status_code == 202
    return code_in(outbox(to=VICTIM, template="verify_email")[-1])


def _attacker_signs_in(client):
    return client.post("/api/v1/sessions", json={"email": VICTIM, "password": ATTACKERS_PASSWORD})


def test_the_owner_clicking_the_unsolicited_link_does_not_verify_the_attackers_account(client, outbox, people):
    code = _attacker_signs_up(client, outbox)
    owner = client.application.test_client()
    page = owner.get(f"/verify-email?email={VICTIM}&code={code}").get_data(as_text=True)
    response = owner.post("/verify-email", data={"csrf_token": csrf_from(page), "email": VICTIM, "code": code})
    assert response.status_code == 400
    assert people.rows(User, email=VICTIM)[0].email_verified_at is None
    assert _attacker_signs_in(client).get_json()["error"]["code"] == "email_unverified"


def test_the_owner_verifying_with_their_own_password_is_told_to_reset_and_nothing_is_verified(client, outbox,
                                                                                            people):
    code = _attacker_signs_up(client, outbox)
    response = client.post("/api/v1/accounts/verify", json={"email": VICTIM, "code": code,
                                                             "password": VICTIMS_PASSWORD})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "not_the_creators_password" and "reset link" in error["message"]
    [user] = people.rows(User, email=VICTIM)
    assert user.email_verified_at is None
    assert people.rows(EmailVerification)[0].attempts == 1 and people.rows(EmailVerification)[0].used_at is None
    assert people.events("account.email.verification_failed", user.id)


def test_wrong_passwords_spend_the_codes_attempts(client, outbox):
    code = _attacker_signs_up(client, outbox)
    for _ in range(5):
        client.post("/api/v1/accounts/verify", json={"email": VICTIM, "code": code, "password": VICTIMS_PASSWORD})
    response = client.post("/api/v1/accounts/verify", json={"email": VICTIM, "code": code,
                                                             "password": ATTACKERS_PASSWORD})
    assert response.get_json()["error"]["code"] == "token_invalid"


def test_the_creator_with_the_mailbox_verifies_as_before(client, outbox, people):
    code = _attacker_signs_up(client, outbox)
    response = client.post("/api/v1/accounts/verify", json={"email": VICTIM, "code": code,
                                                             "password": ATTACKERS_PASSWORD})
    assert response.status_code == 200 and people.rows(User, email=VICTIM)[0].email_verified_at is not None


def _owner_resets(client, outbox) -> None:
    assert client.post("/api/v1/password-resets", json={"email": VICTIM}).status_code == 202
    token = RESET_LINK.search(outbox(to=VICTIM, template="reset_link")[-1].payload["text"]).group(1)
    response = client.post("/api/v1/password-resets/confirm", json={"token": token, "password": VICTIMS_PASSWORD})
    assert response.status_code == 200


def test_a_reset_by_the_owner_takes_the_account_from_its_creator(client, outbox, people):
    _attacker_signs_up(client, outbox)
    _owner_resets(client.application.test_client(), outbox)
    assert people.rows(User, email=VICTIM)[0].email_verified_at is not None
    assert _attacker_signs_in(client).status_code == 401
    owner = client.application.test_client()
    assert owner.post("/api/v1/sessions", json={"email": VICTIM, "password": VICTIMS_PASSWORD}).status_code == 201


def test_without_required_verification_the_owners_reset_ends_the_creators_sessions(app, outbox):
    attacker = app.test_client()
    attacker.post("/api/v1/accounts", json={"email": VICTIM, "password": ATTACKERS_PASSWORD})
    token = _attacker_signs_in(attacker).get_json()["session_token"]
    assert attacker.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    _owner_resets(app.test_client(), outbox)
    assert attacker.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


test_without_required_verification_the_owners_reset_ends_the_creators_sessions.settings = {  # type: ignore[attr-defined]
    "require_email_verification": False}


def test_a_wrong_password_after_the_emailed_link_keeps_the_links_code_so_only_the_password_is_typed_again(
        client, outbox, people):
    code = _attacker_signs_up(client, outbox)
    page = client.get(f"/verify-email?email={VICTIM}&code={code}").get_data(as_text=True)
    token = csrf_from(page)
    response = client.post("/verify-email", data={"csrf_token": token, "email": VICTIM, "code": code,
                                                  "from_link": "1", "password": VICTIMS_PASSWORD})
    answer = response.get_data(as_text=True)
    assert response.status_code == 400 and "reset link" in answer
    assert f'name="code" value="{code}"' in answer  # the confirm form again, its code kept from the link
    again = client.post("/verify-email", data={"csrf_token": csrf_from(answer), "email": VICTIM, "code": code,
                                               "from_link": "1", "password": ATTACKERS_PASSWORD})
    assert again.status_code == 302 and people.rows(User, email=VICTIM)[0].email_verified_at is not None


def test_a_wrong_code_typed_by_hand_is_not_echoed_back(client, outbox):
    _attacker_signs_up(client, outbox)
    token = csrf_from(client.get("/verify-email").get_data(as_text=True))
    response = client.post("/verify-email", data={"csrf_token": token, "email": VICTIM, "code": "12345678",
                                                  "password": ATTACKERS_PASSWORD})
    assert response.status_code == 400 and 'value="12345678"' not in response.get_data(as_text=True)
