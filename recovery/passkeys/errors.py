"""Errors of the passkeys capability (RecoveryError subclasses, mapped once in web/errors.py).

RecoveryError
├── PasskeyFlowInvalid       400  the ceremony is unknown, expired or already used: ask for new options
├── PasskeyInvalid           401  the authenticator's answer did not verify (wrong origin or RP id, bad
│                                 signature, unknown credential, user verification missing, counter gone back)
├── PasskeyRejected          400  a registration that did not verify, or a credential already registered
└── NotFound (core)          404  no such passkey on this account
"""

from __future__ import annotations

from recovery.errors import N_, RecoveryError, ValidationFailed


class PasskeyFlowInvalid(RecoveryError):
    code = "passkey_flow_invalid"
    status = 400
    message = N_("This passkey request has expired. Please try again.")


class PasskeyInvalid(RecoveryError):
    code = "passkey_invalid"
    status = 401
    message = N_("That passkey could not be verified. Please try again, or use another way to sign in.")


class PasskeyRejected(ValidationFailed):
    code = "passkey_rejected"
    message = N_("That passkey could not be added.")

    def __init__(self, reason: str = N_("Your device's answer could not be verified. Please try again."),
                 **kwargs) -> None:
        super().__init__({"credential": [reason]}, **kwargs)
