"""Signing in with MFA: a challenge after the password, then a TOTP (drift, replay) or recovery code, in the API."""

from __future__ import annotations

import pytest
from helpers.errors import error_code
from helpers.people import ADA
from sqlalchemy import event

from recovery.accounts.service import get_user
from recovery.errors import ServiceUnavailable
from recovery.mfa import challenge as challenge_module
from recovery.mfa.models import MfaAttempt, MfaChallenge
from recovery.sessions.models import UserSession
from recovery.web.context import runtime


@pytest.fixture
def challenge(phone, api_signin):
    """A fresh mfa_token for Ada (her password was right)."""

    def start() -> str:
        status, body = api_signin()
        assert status == 200 and body["mfa_required"] is True, body
        return body["mfa_token"]

    return start


def test_signin_api_with_mfa_answers_a_challenge_and_no_session(phone, api_signin, people, ada, event_types):
    status, body = api_signin()
    assert status == 200
    assert set(body) == {"mfa_required", "mfa_token", "expires_at"} and body["mfa_required"] is True
    assert body["expires_at"] == "2026-03-02T09:05:00+00:00"
    assert people.sessions_of(ada) == []
    [row] = people.rows(MfaChallenge, user_id=ada)
    assert body["mfa_token"] not in row.token_digest and len(row.token_digest) == 64
    assert event_types(ada)[-1] == "mfa.challenge.started"


def test_signin_api_completes_with_a_totp_code_like_a_normal_signin(challenge, second_step, phone, client, people,
                                                                     ada, event_types):
    response = second_step(challenge(), phone.code())
    assert response.status_code == 201
    body = response.get_json()
    assert body["session"]["mfa_passed"] is True
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['session_token']}"})
    assert me.status_code == 200 and me.get_json()["email"] == ADA
    assert people.rows(MfaChallenge, user_id=ada) == []
    assert event_types(ada)[-2:] == ["mfa.challenge.started", "mfa.challenge.passed"]


@pytest.fixture
def statements(app):
    """Every statement the app's engine sends, savepoints included: in tests a request's transaction is a
    SAVEPOINT of the test's, its commit a RELEASE SAVEPOINT and its rollback a ROLLBACK TO SAVEPOINT."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        seen.append(" ".join(statement.split()))

    engine = runtime(app).db.engine
    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


@pytest.fixture
def compared_after(monkeypatch, statements):
    """The statements sent before each second factor was compared (around `accept_proof`, the one place)."""
    snapshots: list[list[str]] = []
    real = challenge_module.accept_proof

    def comparing(*args, **kwargs):
        snapshots.append(list(statements))
        return real(*args, **kwargs)

    monkeypatch.setattr(challenge_module, "accept_proof", comparing)
    return snapshots


def _commits(statements: list[str]) -> list[int]:
    return [n for n, statement in enumerate(statements) if statement.upper().startswith("RELEASE SAVEPOINT")]


def _claim(before_compare: list[str], dialect: str) -> tuple[str, list[str]]:
    """The read of the challenge and the budget's claim, of the statements sent before the compare."""
    read, *claim = [statement for statement in before_compare if "SAVEPOINT" not in statement.upper()]
    assert read.startswith("SELECT") and all(table in read for table in ("mfa_challenges", "users", "mfa_totp"))
    if dialect == "postgresql":  # the account's lock taken by the read; count, try and attempt in one statement
        assert "pg_advisory_xact_lock" in read
        [together] = claim
        assert "FROM mfa_attempts" in together and "UPDATE mfa_challenges SET failures" in together
        assert "INSERT INTO mfa_attempts" in together
    else:  # SQLite: the read's BEGIN IMMEDIATE holds the file's lock; the three statements in order
        budget, counted_on_challenge, counted_on_account = claim
        assert "FROM mfa_attempts" in budget
        assert counted_on_challenge.startswith("UPDATE mfa_challenges SET failures")
        assert counted_on_account.startswith("INSERT INTO mfa_attempts")
    return read, claim


def test_the_code_step_counts_the_attempt_before_the_code_is_compared(app, challenge, second_step, phone, statements,
                                                                      compared_after):
    """One read of the challenge with its user and authenticator (and, on PostgreSQL, the account's lock); then,
    before the code is compared, the account's budget read and the attempt counted on the account and on the
    challenge (issue 15, item 5). A right code's count commits with its session: one commit, the last
    statement, and none between the count and the compare (the lock is held throughout)."""
    token = challenge()
    statements.clear()
    assert second_step(token, phone.code()).status_code == 201
    [before_compare] = compared_after
    _claim(before_compare, runtime(app).db.dialect)
    assert _commits(before_compare) == []
    assert _commits(statements) == [len(statements) - 1]
    spent = next(n for n, statement in enumerate(statements) if statement.startswith("UPDATE mfa_totp"))
    assert spent >= len(before_compare)


def test_a_wrong_code_commits_its_count_before_anything_else(app, challenge, second_step, phone, statements,
                                                            compared_after, people, ada):
    """A wrong code: counted before the compare, and committed right after it, before the failure's own rows
    and the request's rollback; the count is still there once the request has answered."""
    token, accepted = challenge(), {phone.code_at(offset) for offset in (-1, 0, 1)}
    statements.clear()
    response = second_step(token, next(code for code in ("000000", "111111", "222222") if code not in accepted))
    assert response.status_code == 400 and error_code(response) == "second_factor_invalid"
    [before_compare] = compared_after
    _claim(before_compare, runtime(app).db.dialect)
    assert _commits(before_compare) == []
    assert statements[len(before_compare)].upper().startswith("RELEASE SAVEPOINT")  # the compare sent nothing
    [attempt] = people.rows(MfaAttempt, user_id=ada, purpose="signin")
    assert attempt.passed_at is None
    [row] = people.rows(MfaChallenge, user_id=ada)
    assert row.failures == 1


def test_signin_api_wrong_password_never_reaches_the_second_step(phone, api_signin):
    status, body = api_signin(password="not the right passphrase at all")
    assert status == 401 and "mfa_token" not in body


@pytest.mark.parametrize("offset", [-1, 1])
def test_totp_one_step_of_drift_either_way_is_accepted(challenge, second_step, phone, clock, offset):
    clock.advance(minutes=2)
    assert second_step(challenge(), phone.code_at(offset)).status_code == 201


@pytest.mark.parametrize("offset", [-2, 2])
def test_totp_two_steps_of_drift_are_rejected(challenge, second_step, phone, clock, offset):
    clock.advance(minutes=2)
    response = second_step(challenge(), phone.code_at(offset))
    assert response.status_code == 400 and error_code(response) == "second_factor_invalid"


def test_totp_code_replayed_is_rejected(challenge, second_step, phone, clock):
    clock.advance(seconds=30)
    code = phone.code_at(0)
    assert second_step(challenge(), code).status_code == 201
    response = second_step(challenge(), code)
    assert response.status_code == 400 and error_code(response) == "second_factor_invalid"


def test_totp_code_of_an_earlier_step_after_a_later_one_is_rejected(challenge, second_step, phone, clock):
    clock.advance(minutes=1)
    assert second_step(challenge(), phone.code_at(1)).status_code == 201
    assert second_step(challenge(), phone.code_at(0)).status_code == 400
    assert second_step(challenge(), phone.code_at(-1)).status_code == 400
    clock.advance(seconds=60)
    assert second_step(challenge(), phone.code_at(0)).status_code == 201


def test_totp_code_in_non_ascii_digits_is_rejected(challenge, second_step, phone, clock):
    clock.advance(seconds=30)
    code = phone.code_at(0)
    arabic = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert second_step(challenge(), arabic).status_code == 400
    assert second_step(challenge(), code).status_code == 201


def test_recovery_code_signs_in_once_and_notifies(challenge, second_step, phone, outbox, people, ada, event_types):
    code = phone.recovery_codes[0]
    response = second_step(challenge(), code.lower().replace("-", " "))
    assert response.status_code == 201 and response.get_json()["session"]["mfa_passed"] is True
    again = second_step(challenge(), code)
    assert again.status_code == 400 and error_code(again) == "second_factor_invalid"
    [notice] = outbox(to=ADA, template="mfa_recovery_code_used")
    assert "9" in notice.payload["text"] and code not in notice.payload["text"]
    assert "mfa.recovery_code.used" in event_types(ada)
    [used] = [e for e in people.events("mfa.recovery_code.used", ada)]
    assert used.details == {"remaining": 9}


def test_recovery_code_read_with_lookalike_characters_is_accepted(challenge, second_step, phone):
    code = phone.recovery_codes[1].replace("-", "")
    typed = code.replace("O", "0").replace("I", "1").replace("B", "8")
    assert second_step(challenge(), typed).status_code == 201


def test_regenerated_recovery_codes_void_the_old_set(challenge, second_step, phone, client, people):
    headers = people.bearer(ADA)
    response = client.post("/api/v1/mfa/recovery-codes", headers=headers)
    assert response.status_code == 201
    fresh = response.get_json()["recovery_codes"]
    assert len(fresh) == 10 and not set(fresh) & set(phone.recovery_codes)
    assert second_step(challenge(), phone.recovery_codes[2]).status_code == 400
    assert second_step(challenge(), fresh[0]).status_code == 201


def test_regenerating_recovery_codes_needs_a_recent_password(phone, client, people, clock):
    headers = people.bearer(ADA)
    clock.advance(minutes=11)
    response = client.post("/api/v1/mfa/recovery-codes", headers=headers)
    assert response.status_code == 401 and error_code(response) == "reauthentication_required"


def test_challenge_expires_after_five_minutes(challenge, second_step, phone, clock):
    token = challenge()
    clock.advance(minutes=5)
    response = second_step(token, phone.code())
    assert response.status_code == 401 and error_code(response) == "mfa_challenge_invalid"


def test_challenge_dies_after_five_wrong_codes_and_the_password_is_needed_again(challenge, second_step, phone,
                                                                                 people, ada, event_types):
    token = challenge()
    answers = [second_step(token, "000000") for _ in range(5)]
    assert [r.status_code for r in answers] == [400, 400, 400, 400, 401]
    assert error_code(answers[-1]) == "mfa_challenge_ended"
    assert people.rows(MfaChallenge, user_id=ada) == []
    response = second_step(token, phone.code())
    assert response.status_code == 401 and error_code(response) == "mfa_challenge_invalid"
    assert event_types(ada).count("mfa.challenge.failed") == 5
    assert event_types(ada)[-2:] == ["mfa.challenge.failed", "mfa.challenge.dropped"]
    assert "000000" not in str([e.details for e in people.events("mfa.challenge.failed", ada)])


def test_each_wrong_code_counts_on_the_challenge_although_the_request_fails(challenge, second_step, people, ada):
    token = challenge()
    second_step(token, "000000")
    second_step(token, "111111")
    [row] = people.rows(MfaChallenge, user_id=ada)
    assert row.failures == 2


@pytest.mark.parametrize("failure", [RuntimeError("a defect"), ServiceUnavailable()])
def test_a_comparison_that_fails_leaves_its_code_counted(challenge, second_step, phone, people, ada, monkeypatch,
                                                         failure):
    """Whatever goes wrong in the comparison (here after the code was used, as a right code's use can), its
    count is committed on its own before the error is answered, and nothing half done stays."""
    token = challenge()
    real = challenge_module.accept_proof

    def fails(*args, **kwargs):
        real(*args, **kwargs)
        raise failure

    monkeypatch.setattr(challenge_module, "accept_proof", fails)
    assert second_step(token, phone.code()).status_code in (500, 503)
    [attempt] = people.rows(MfaAttempt, user_id=ada, purpose="signin")
    assert attempt.passed_at is None
    [row] = people.rows(MfaChallenge, user_id=ada)
    assert row.failures == 1
    monkeypatch.setattr(challenge_module, "accept_proof", real)
    assert second_step(token, phone.code()).status_code == 201  # the time step was not kept used


def test_api_challenge_token_does_not_work_in_the_browser(challenge, phone, client, people, ada):
    from helpers.csrf import csrf_from

    token = challenge()
    client.set_cookie("recovery_mfa", token)  # unsigned and of another kind: ignored
    html = client.get("/signin").get_data(as_text=True)
    response = client.post("/signin/second-factor", data={"csrf_token": csrf_from(html), "code": phone.code()})
    assert response.status_code == 401
    assert [s for s in people.sessions_of(ada)] == []


def test_unknown_mfa_token_answers_401(second_step, phone):
    response = second_step("not-a-token", phone.code())
    assert response.status_code == 401 and error_code(response) == "mfa_challenge_invalid"


def test_account_locked_during_the_challenge_cannot_complete_it(challenge, second_step, phone, people, ada):
    token = challenge()
    people.set_status(ada, "locked", "testing")
    assert second_step(token, phone.code()).status_code == 401


def test_session_after_mfa_is_listed_with_mfa_passed(challenge, second_step, phone, people, ada):
    second_step(challenge(), phone.code())
    [session] = people.rows(UserSession, user_id=ada)
    assert session.mfa_passed is True and session.kind == "api"


def test_challenge_begun_before_a_password_change_cannot_complete(challenge, second_step, phone, people, ada,
                                                                  services, clock):
    token = challenge()
    clock.advance(seconds=1)
    with services() as ctx:
        get_user(ctx, ada).password_changed_at = ctx.clock.now()
    response = second_step(token, phone.code())
    assert response.status_code == 401 and error_code(response) == "mfa_challenge_invalid"
