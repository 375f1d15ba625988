"""The accounts service directly: lookups, the MFA seam for password length, notices to every address."""

from __future__ import annotations

import pytest
from helpers.people import PASSWORD

from recovery.accounts import service
from recovery.context import Actor
from recovery.errors import NotFound, PermissionDenied, ValidationFailed


def test_lookups_find_get_and_not_found(people, services):
    user_id = people.user("ada@example.com")
    with services() as ctx:
        assert service.find_user_by_email(ctx, " ADA@example.com").id == user_id
        assert service.get_user_by_email(ctx, "ada@example.com").id == user_id
        assert service.get_user(ctx, user_id).email == "ada@example.com"
        assert service.find_user_by_email(ctx, "nobody@example.com") is None
        assert service.find_user_by_email(ctx, "") is None
        with pytest.raises(NotFound):
            service.get_user_by_email(ctx, "nobody@example.com")
        with pytest.raises(NotFound):
            service.get_user(ctx, 987654)


def test_email_is_normalised_with_nfkc_and_case(people, services):
    people.user("ada@example.com")
    with services() as ctx:
        assert service.find_user_by_email(ctx, "ＡＤＡ@ｅｘａｍｐｌｅ.com") is not None  # full-width forms


def test_password_length_rule_is_15_without_and_8_with_a_second_factor(people, services, monkeypatch):
    user_id = people.user("ada@example.com")
    with services() as ctx:
        user = service.get_user(ctx, user_id)
        assert service.has_second_factor(ctx, user) is False
        assert service.password_requirements(ctx, user)["min_length"] == 15
        with pytest.raises(ValidationFailed):
            service.change_password(ctx, user, PASSWORD, "brisk-otter-42", keep_session_id=None)
    monkeypatch.setattr(service, "has_second_factor", lambda ctx, user: True)
    with services() as ctx:
        user = service.get_user(ctx, user_id)
        assert service.password_requirements(ctx, user)["min_length"] == 8
        service.change_password(ctx, user, PASSWORD, "brisk-otter-42", keep_session_id=None)


def test_notify_security_queues_one_email_per_verified_address(people, services, outbox):
    user_id = people.user("ada@example.com")
    with services() as ctx:
        user = service.get_user(ctx, user_id)
        verified = service.add_contact_address(ctx, user, "ada.work@example.org")
        verified.verified_at = ctx.clock.now()
        service.add_contact_address(ctx, user, "ada.pending@example.org")
    with services() as ctx:
        user = service.get_user(ctx, user_id)
        assert service.notification_addresses(ctx, user) == ["ada@example.com", "ada.work@example.org"]
        messages = service.notify_security(ctx, user, "password_changed", sessions_revoked=0)
        assert [m.recipient for m in messages] == ["ada@example.com", "ada.work@example.org"]
    assert len(outbox(template="password_changed")) == 2


def test_contact_addresses_are_capped(people, services):
    user_id = people.user("ada@example.com")
    with services() as ctx:
        user = service.get_user(ctx, user_id)
        for n in range(3):
            service.add_contact_address(ctx, user, f"extra{n}@example.org")
        with pytest.raises(ValidationFailed) as raised:
            service.add_contact_address(ctx, user, "one.too.many@example.org")
    assert "Remove one first." in raised.value.fields["email"][0]


def test_set_account_status_refuses_a_non_staff_actor(people, services):
    user_id = people.user("ada@example.com")
    bob_id = people.user("bob@example.com")
    with pytest.raises(PermissionDenied), services(Actor("user", bob_id)) as ctx:
        service.set_account_status(ctx, service.get_user(ctx, user_id), "banned", "because")
    assert people.get(user_id).status == "active"


def test_sign_up_of_a_taken_address_records_an_event_for_the_owner(people, services, outbox):
    user_id = people.user("ada@example.com")
    with services() as ctx:
        service.sign_up(ctx, "ada@example.com", "another long passphrase for this")
    assert people.events("account.signup.existing_email", user_id)
    [notice] = outbox(template="signup_existing")
    assert "https://recovery.example.test/signin" in notice.payload["text"]
