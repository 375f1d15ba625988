"""Codes travel only in email bodies: subjects are kept after sending and shown to staff in the outbox."""

from helpers.mail import code_in
from helpers.people import PASSWORD


def test_verification_code_is_in_the_body_but_never_in_the_subject(client, outbox):
    client.post("/api/v1/accounts", json={"email": "ada@example.com", "password": PASSWORD})
    [message] = outbox(to="ada@example.com", template="verify_email")
    code = code_in(message)
    assert code not in message.payload["subject"]
    assert message.payload["subject"] == "Your code to verify your email address"


def test_regenerating_recovery_codes_without_mfa_explains_instead_of_failing(client, people):
    people.user("ada@example.com")
    people.sign_in("ada@example.com")
    response = people.post_form("/security/mfa/recovery-codes", page="/security/mfa/recovery-codes")
    assert 400 <= response.status_code < 500
    assert "text/html" in response.content_type
