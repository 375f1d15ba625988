"""The hourly job forgets expired sign-in challenges and unconfirmed enrollments, and nothing live."""

from __future__ import annotations

from helpers.people import ADA

from recovery.mfa.challenge import prune_expired
from recovery.mfa.models import MfaChallenge, TotpAuthenticator
from recovery.outbox.jobs import registered_jobs


def test_prune_forgets_expired_challenges_and_pending_enrollments_only(client, people, ada, phone, services, clock,
                                                                        api_signin):
    headers = people.bearer(ADA)
    begun = client.post("/api/v1/mfa/totp", json={"password": "a sturdy passphrase for tests", "code": phone.code()},
                        headers=headers)
    assert begun.status_code == 201
    api_signin()
    clock.advance(minutes=6)
    with services() as ctx:
        assert prune_expired(ctx) == 1  # that challenge; the pending replacement lives 15 minutes
    api_signin()
    with services() as ctx:
        assert prune_expired(ctx) == 0
    assert len(people.rows(MfaChallenge, user_id=ada)) == 1
    clock.advance(minutes=10)
    with services() as ctx:
        assert prune_expired(ctx) == 2
    assert people.rows(MfaChallenge, user_id=ada) == []
    assert [row.state for row in people.rows(TotpAuthenticator, user_id=ada)] == ["active"]


def test_prune_job_is_registered_for_the_worker():
    assert "mfa.prune_expired" in {job.name for job in registered_jobs()}
