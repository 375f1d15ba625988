"""Errors of detection (RecoveryError subclasses, mapped to responses once by web/errors.py).

RecoveryError
├── TooManyAttempts
│   └── SourceThrottled        429  this IP or network failed across too many accounts (credential stuffing)
├── NoticeLinkProblem          400  a "new sign-in" email button that cannot be used
│   ├── NoticeLinkInvalid      400  tampered or unknown
│   ├── NoticeLinkExpired      400  older than detection_link_days
│   └── NoticeLinkUsed         409  already used
├── StepUpInvalid              400  the emailed sign-in code was wrong
└── StepUpEnded                400  the code step expired or failed too often: sign in again

reset.errors.SecondFactorRequired / SecondFactorInvalid (400), on the containment reset page:
├── PasskeyRequired            400  the account's only second factor is a passkey, and none answered
└── PasskeyNotAccepted         400  the passkey's answer was refused (not this account's, replayed ...)
"""

from __future__ import annotations

from recovery.errors import N_, RecoveryError, TooManyAttempts, ValidationFailed
from recovery.reset.errors import SecondFactorInvalid, SecondFactorRequired


class SourceThrottled(TooManyAttempts):
    code = "source_throttled"
    message = N_("Too many failed sign-ins from your network. Please wait and try again later.")


class NoticeLinkProblem(RecoveryError):
    code = "notice_link_invalid"
    status = 400
    message = N_("This link is not valid.")


class NoticeLinkInvalid(NoticeLinkProblem):
    pass


class NoticeLinkExpired(NoticeLinkProblem):
    code = "notice_link_expired"
    message = N_("This link has expired. If something looks wrong, secure your account from the security page.")


class NoticeLinkUsed(NoticeLinkProblem):
    code = "notice_link_used"
    status = 409
    message = N_("This link has already been used.")


class StepUpInvalid(RecoveryError):
    code = "step_up_invalid"
    status = 400
    message = N_("That code is not correct.")


class StepUpEnded(RecoveryError):
    code = "step_up_ended"
    status = 400
    message = N_("This sign-in step has ended. Please sign in again.")


class PasskeyRequired(SecondFactorRequired):
    """No code is asked of a passkey-only account, so the message names its passkey, and no code field."""

    message = N_("This account's second factor is a passkey: use it to set the new password.")

    def __init__(self, **kwargs) -> None:
        ValidationFailed.__init__(self, {}, **kwargs)


class PasskeyNotAccepted(SecondFactorInvalid):
    message = N_("That passkey could not confirm it is you. Try again with a passkey of this account.")

    def __init__(self, **kwargs) -> None:
        ValidationFailed.__init__(self, {}, **kwargs)
