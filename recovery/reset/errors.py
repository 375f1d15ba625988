"""Why a reset link or submission is refused; each maps to its own page and JSON code through web/errors.py.

RecoveryError
├── ResetLinkProblem                   a link that cannot be used; the page offers a new request
│   ├── ResetLinkInvalid       400     tampered, unknown, or not sent by us
│   ├── ResetLinkExpired       400     older than reset_token_minutes
│   ├── ResetLinkUsed          409     already used (also the loser of two simultaneous submissions)
│   ├── ResetLinkRevoked       409     replaced by newer links, or the password or account status changed
│   └── ResetLinkMissing       400     the form was opened without a link (no reset cookie in this browser)
├── SecondFactorRequired       400     the account has a second factor and no code was given
└── SecondFactorInvalid        400     the code was wrong (or no MFA verifier exists yet: never bypassed)
"""

from __future__ import annotations

from recovery.errors import N_, RecoveryError, ValidationFailed


class ResetLinkProblem(RecoveryError):
    code = "reset_link_invalid"
    status = 400
    message = N_("This password reset link is not valid.")
    kind = "invalid"


class ResetLinkInvalid(ResetLinkProblem):
    pass


class ResetLinkExpired(ResetLinkProblem):
    code = "reset_link_expired"
    message = N_("This password reset link has expired.")
    kind = "expired"


class ResetLinkUsed(ResetLinkProblem):
    code = "reset_link_used"
    status = 409
    message = N_("This password reset link has already been used.")
    kind = "used"


class ResetLinkRevoked(ResetLinkProblem):
    code = "reset_link_revoked"
    status = 409
    message = N_("This password reset link is no longer valid.")
    kind = "revoked"


class ResetLinkMissing(ResetLinkProblem):
    code = "reset_link_missing"
    message = N_("Open the password reset link from your email to choose a new password.")
    kind = "missing"


class SecondFactorRequired(ValidationFailed):
    code = "second_factor_required"
    message = N_("This account has two-step verification: enter a code to reset its password.")

    def __init__(self, **kwargs) -> None:
        super().__init__({"code": [N_("Enter a code from your authenticator app or one of your recovery codes.")]},
                         **kwargs)


class SecondFactorInvalid(ValidationFailed):
    code = "second_factor_invalid"
    message = N_("That code is not correct.")

    def __init__(self, **kwargs) -> None:
        super().__init__({"code": [N_("That code is not correct.")]}, **kwargs)
