"""Errors of the MFA capability (all RecoveryError subclasses, mapped once in web/errors.py).

RecoveryError
├── SecondFactorInvalid          400  the TOTP or recovery code is wrong, used, or not a code at all
├── EnrollmentExpired            400  no pending enrollment (never begun, expired, or already confirmed)
├── ChallengeInvalid             401  the sign-in step after the password is unknown, expired or used
├── ChallengeEnded               401  too many wrong codes: the password must be given again
├── MfaNotEnabled                409  the account has no authenticator to turn off or use
├── MfaEnrollmentRequired        403  a staff account must enroll before reaching staff pages
├── MfaSessionRequired           403  a staff page needs a session that passed the second factor
└── TooManyAttempts (core)       429  the account's budget of wrong codes is spent (any IP)
"""

from __future__ import annotations

from recovery.errors import N_, Conflict, PermissionDenied, RecoveryError, ValidationFailed


class SecondFactorInvalid(ValidationFailed):
    code = "second_factor_invalid"
    message = N_("That code is not correct.")

    def __init__(self, **kwargs) -> None:
        super().__init__({"code": [N_("Enter the 6-digit code from your authenticator app, or one of your "
                                      "recovery codes.")]}, **kwargs)


class EnrollmentExpired(RecoveryError):
    code = "mfa_enrollment_expired"
    status = 400
    message = N_("This setup has expired. Please start again.")


class ChallengeInvalid(RecoveryError):
    code = "mfa_challenge_invalid"
    status = 401
    message = N_("This sign-in has expired. Please enter your email and password again.")


class ChallengeEnded(RecoveryError):
    code = "mfa_challenge_ended"
    status = 401
    message = N_("Too many wrong codes. Please enter your email and password again.")


class MfaNotEnabled(Conflict):
    code = "mfa_not_enabled"
    message = N_("Two-step verification is not turned on for this account.")


class MfaEnrollmentRequired(PermissionDenied):
    code = "mfa_enrollment_required"
    message = N_("Staff accounts need two-step verification. Set it up to continue.")


class MfaSessionRequired(PermissionDenied):
    code = "mfa_session_required"
    message = N_("Staff pages need a sign-in with your second factor. Please sign in again.")


class StaffMustKeepMfa(PermissionDenied):
    code = "mfa_required_for_staff"
    message = N_("Staff accounts must keep two-step verification on. You can replace the authenticator instead.")
