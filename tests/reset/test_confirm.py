"""Using a reset link: once, in time, untampered, bound to the current password, never past a second factor."""

from __future__ import annotations

import pytest
from helpers.mail import token_in
from helpers.outbox import run_queued_tasks
from helpers.people import NEW_PASSWORD, add_user, long_password
from helpers.people import PASSWORD as OLD_PASSWORD
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from recovery.events.models import SecurityEvent
from recovery.outbox.models import OutboxMessage
from recovery.reset import service
from recovery.reset.service import DONE_TEMPLATE, LINK_TEMPLATE
from recovery.sessions.models import UserSession
from recovery.web.context import runtime

CONFIRM = "/api/v1/password-resets/confirm"


def _confirm(client, token: str, password: str = NEW_PASSWORD, **extra):
    return client.post(CONFIRM, json={"token": token, "password": password, **extra})


def _error_code(response) -> str:
    return response.get_json()["error"]["code"]


def _password_is(app, db_rows, account, password: str) -> bool:
    return runtime(app).passwords.verify(db_rows.user(account.id).password_hash, password)


def _messages(app, template: str) -> list[OutboxMessage]:
    run_queued_tasks(app)
    with app.app_context():
        session = runtime(app).db.new_session()
        try:
            return list(session.scalars(select(OutboxMessage).where(OutboxMessage.template == template)))
        finally:
            session.close()


def test_confirm_sets_the_password_and_revokes_every_session(app, client, account, request_link, session_for,
                                                             db_rows, services):
    bearer = session_for(account.id, "api")
    session_for(account.id, "browser")
    response = _confirm(client, request_link())
    assert response.status_code == 200
    assert response.get_json() == {"status": "password_reset", "sessions_revoked": 2}
    assert "Set-Cookie" not in response.headers  # no automatic sign-in
    assert _password_is(app, db_rows, account, NEW_PASSWORD)
    assert not _password_is(app, db_rows, account, OLD_PASSWORD)
    with services() as ctx:
        sessions = ctx.session.scalars(select(UserSession).where(UserSession.user_id == account.id)).all()
        assert {s.revoked_reason for s in sessions} == {"password_reset"}
        [event] = ctx.session.scalars(select(SecurityEvent).where(SecurityEvent.type == "account.password.reset"))
        assert event.user_id == account.id and event.details["sessions_revoked"] == 2
    assert client.get("/api/v1/sessions", headers={"Authorization": f"Bearer {bearer}"}).status_code == 401


def test_confirm_tells_every_address_with_a_this_wasnt_me_link(client, account, request_link, outbox):
    _confirm(client, request_link())
    [notice] = outbox(template=DONE_TEMPLATE)
    assert notice.recipient == account.email
    assert "https://recovery.example.test/secure-account" in notice.payload["text"]
    assert NEW_PASSWORD not in notice.payload["text"]


def test_confirm_twice_with_one_link_is_refused_the_second_time(client, account, request_link):
    token = request_link()
    assert _confirm(client, token).status_code == 200
    again = _confirm(client, token, password="another entirely fresh passphrase here")
    assert again.status_code == 409 and _error_code(again) == "reset_link_used"


def test_confirm_revokes_the_other_outstanding_links(client, account, request_link, db_rows):
    first, second = request_link(), request_link()
    assert _confirm(client, second).status_code == 200
    refused = _confirm(client, first, password="another entirely fresh passphrase here")
    assert refused.status_code == 409 and _error_code(refused) == "reset_link_revoked"
    assert [r.revoked_reason for r in db_rows.resets(account.id)] == ["password_reset", None]


def test_confirm_after_thirty_minutes_is_refused_as_expired(client, clock, account, request_link):
    token = request_link()
    clock.advance(minutes=31)
    response = _confirm(client, token)
    assert response.status_code == 400 and _error_code(response) == "reset_link_expired"


def test_confirm_just_before_expiry_still_works(client, clock, account, request_link):
    token = request_link()
    clock.advance(minutes=29, seconds=59)
    assert _confirm(client, token).status_code == 200


def test_confirm_lifetime_follows_the_setting(make_app, clock):
    app = make_app(reset_token_minutes=5)
    add_user(app, "ada@example.com")
    client = app.test_client()
    client.post("/api/v1/password-resets", json={"email": "ada@example.com"})
    token = token_in(_messages(app, LINK_TEMPLATE)[-1])
    clock.advance(minutes=6)
    assert _error_code(_confirm(client, token)) == "reset_link_expired"


def _flip(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1:]


@pytest.mark.parametrize("mangle", [
    lambda t: _flip(t, len(t) - 10),  # signature changed (not its last character, which carries padding bits)
    lambda t: _flip(t, 3),  # payload changed
    lambda t: t.rsplit(".", 1)[0],  # signature cut off
    lambda t: "not-a-token",
], ids=["signature", "payload", "truncated", "garbage"])
def test_confirm_tampered_token_is_invalid(client, account, request_link, mangle):
    response = _confirm(client, mangle(request_link()))
    assert response.status_code == 400 and _error_code(response) == "reset_link_invalid"


def test_confirm_absurdly_long_token_is_refused_before_any_work(client):
    assert _confirm(client, "a" * 5000).status_code == 400


def test_confirm_token_signed_for_another_purpose_is_invalid(app, client, account, request_link):
    request_link()
    other = URLSafeTimedSerializer(runtime(app).settings.secret_key, salt="recovery.session-cookie")
    response = _confirm(client, other.dumps({"r": "x" * 22, "p": "y" * 22}))
    assert response.status_code == 400 and _error_code(response) == "reset_link_invalid"


def test_confirm_token_from_before_a_password_change_is_refused(client, account, request_link, services):
    token = request_link()
    with services() as ctx:
        user = ctx.session.get(service.User, account.id)
        user.password_hash = ctx.passwords.hash("changed the usual way in between")
    response = _confirm(client, token)
    assert response.status_code == 409 and _error_code(response) == "reset_link_revoked"


def test_confirm_weak_password_is_refused_and_the_link_stays_usable(client, account, request_link, db_rows):
    token = request_link()
    weak = _confirm(client, token, password="password")
    assert weak.status_code == 400 and "password" in weak.get_json()["error"]["fields"]
    assert db_rows.resets(account.id)[0].used_at is None
    assert _confirm(client, token).status_code == 200


def test_confirm_with_a_second_factor_needs_a_code(second_factor_enrolled, app, client, account, request_link,
                                                   db_rows):
    token = request_link()
    missing = _confirm(client, token)
    assert missing.status_code == 400 and _error_code(missing) == "second_factor_required"
    # Valid TOTP and recovery codes are covered with a real enrollment in tests/mfa/test_reset.py.
    wrong = _confirm(client, token, code="123456")
    assert wrong.status_code == 400 and _error_code(wrong) == "second_factor_invalid"
    assert _password_is(app, db_rows, account, OLD_PASSWORD)
    assert db_rows.resets(account.id)[0].used_at is None


def test_confirm_wrong_second_factor_code_is_recorded(second_factor_enrolled, client, account, request_link,
                                                       services):
    _confirm(client, request_link(), code="000000")
    with services() as ctx:
        failed = ctx.session.scalars(select(SecurityEvent).where(
            SecurityEvent.type == "account.password.reset_failed")).all()
        assert [e.details["reason"] for e in failed] == ["second_factor"]
        assert "000000" not in str(failed[0].details)


def test_confirm_tells_its_subscribers_detection_among_them(client, account, request_link, monkeypatch):
    lifted = []
    monkeypatch.setattr(service, "_AFTER_RESET", [lambda ctx, user: lifted.append(user.id)])
    assert _confirm(client, request_link()).status_code == 200
    assert lifted == [account.id]


@pytest.mark.parametrize("status", ["locked", "suspended", "banned"])
def test_confirm_after_a_status_lock_is_refused_and_the_lock_stays(client, account, request_link, services,
                                                                    db_rows, status):
    token = request_link()
    with services() as ctx:
        user = ctx.session.get(service.User, account.id)
        user.status, user.status_reason = status, "reported as stolen"
    response = _confirm(client, token)
    assert response.status_code == 409 and _error_code(response) == "reset_link_revoked"
    assert db_rows.user(account.id).status == status
    assert db_rows.resets(account.id)[0].used_at is None


def test_confirm_never_changes_the_account_status(client, account, request_link, db_rows, monkeypatch):
    monkeypatch.setattr(service, "_AFTER_RESET", [])
    _confirm(client, request_link())
    assert db_rows.user(account.id).status == "active"


def test_confirm_through_an_unverified_address_verifies_it(client, make_account, request_link, db_rows):
    account = make_account("new@example.com", verified=False)
    assert _confirm(client, request_link("new@example.com")).status_code == 200
    assert db_rows.user(account.id).email_verified_at is not None


def test_confirm_missing_fields_is_a_field_error(client):
    response = client.post(CONFIRM, json={"password": NEW_PASSWORD})
    assert response.status_code == 400 and "token" in response.get_json()["error"]["fields"]


def test_confirm_rolled_back_with_its_transaction_queues_nothing(app, account, request_link, services, outbox,
                                                                  db_rows):
    token = request_link()
    with pytest.raises(RuntimeError), services() as ctx:
        service.confirm_reset(ctx, token, NEW_PASSWORD)
        queued = ctx.session.scalars(select(OutboxMessage).where(OutboxMessage.template == DONE_TEMPLATE))
        assert len(queued.all()) == 1  # the notice is queued in this very transaction ...
        raise RuntimeError("the request fails after the change")
    assert outbox(template=DONE_TEMPLATE) == []  # ... so the rollback took it back with the change
    assert _password_is(app, db_rows, account, OLD_PASSWORD)
    assert db_rows.resets(account.id)[0].used_at is None


def test_request_rolled_back_with_its_transaction_queues_nothing(account, services, outbox, db_rows):
    with pytest.raises(RuntimeError), services() as ctx:
        service.request_reset(ctx, account.email)
        raise RuntimeError("the request fails after queueing")
    assert outbox() == []
    assert db_rows.resets(account.id) == []


def test_confirm_link_sent_before_a_lock_stays_dead_after_unlocking(client, clock, account, request_link, services):
    token = request_link()
    for status in ("suspended", "active"):  # a stolen-account report, then staff restore the account
        clock.advance(minutes=1)
        with services() as ctx:
            user = ctx.session.get(service.User, account.id)
            user.status, user.status_reason, user.status_changed_at = status, "review", ctx.clock.now()
    response = _confirm(client, token)
    assert response.status_code == 409 and _error_code(response) == "reset_link_revoked"
    assert _confirm(client, request_link()).status_code == 200  # a link asked for afterwards works


@pytest.mark.parametrize("length", [73, 100, 256])
def test_confirm_password_of_any_allowed_length_is_set(app, client, account, request_link, db_rows, length):
    """zxcvbn 4.5 raised ValueError past 72 characters: the confirm answered 500 and the link stayed unused."""
    response = _confirm(client, request_link(), long_password(length))
    assert response.status_code == 200
    assert _password_is(app, db_rows, account, long_password(length))
