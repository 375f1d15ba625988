"""The RecoveryError tree: each error carries its code, HTTP status and user message; web/errors.py maps it once.

RecoveryError
├── ValidationFailed(fields)        400  input did not validate; `fields` maps field -> [messages]
├── AuthenticationFailed            401  wrong credentials (unknown account answers the same)
├── AuthenticationRequired          401  no session or an expired one
├── ReauthRequired                  401  the action needs a fresh password entry
├── PermissionDenied                403  the role or owner does not allow this
├── AccountNotActive(status)        403  right password, but the account is locked, suspended or banned
├── EmailNotVerified                403  right password, email still unverified
├── NotFound                        404
├── Conflict                        409  the state changed under the request (a token already used, ...)
├── TokenInvalid                    400  a link or code that is tampered, unknown, expired or already used
├── TooManyAttempts(retry_after)    429
└── ServiceUnavailable              503  a dependency (the database, the rate-limit storage) cannot be reached
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks a message for extraction; web/errors.py translates it when rendering."""
    return message


class Message(str):
    """A message formatted in English that keeps its msgid and parameters for translation.

    It reads well where nothing translates (CLI output, logs); the error layer renders `gettext(msgid) % params`
    in the reader's language, which a lookup of the formatted text could not do.
    """

    msgid: str
    params: dict

    def __new__(cls, msgid: str, params: dict | None = None) -> Message:
        params = dict(params or {})
        message = super().__new__(cls, msgid % params if params else msgid)
        message.msgid, message.params = msgid, params
        return message


class RecoveryError(Exception):
    code = "error"
    status = 400
    message = N_("The request could not be completed.")

    def __init__(self, message: str | None = None, *, persist: list | None = None, extra: dict | None = None,
                 **params: object) -> None:
        super().__init__(message or self.message)
        if message is not None:
            self.message = message
        self.params = params
        # What must be committed even though the change is rolled back: rows to add (failure events), or
        # callables taking the session (e.g. an attempt counter's UPDATE).
        self.persist = list(persist or [])
        # Machine-readable hints for the client (e.g. what to do next); added to the JSON error body.
        self.extra = dict(extra or {})


class ValidationFailed(RecoveryError):
    code = "validation_failed"
    status = 400
    message = N_("Some fields need your attention.")

    def __init__(self, fields: dict[str, list[str]], message: str | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.fields = fields


class AuthenticationFailed(RecoveryError):
    code = "invalid_credentials"
    status = 401
    message = N_("The email or password is incorrect.")


class AuthenticationRequired(RecoveryError):
    code = "authentication_required"
    status = 401
    message = N_("Please sign in to continue.")


class ReauthRequired(RecoveryError):
    code = "reauthentication_required"
    status = 401
    message = N_("Please confirm your password to continue.")


class PermissionDenied(RecoveryError):
    code = "forbidden"
    status = 403
    message = N_("You do not have permission to do that.")


class AccountNotActive(RecoveryError):
    code = "account_not_active"
    status = 403
    message = N_("This account cannot sign in right now.")

    def __init__(self, status: str, reason: str | None, **kwargs) -> None:
        super().__init__(None, status=status, reason=reason or "", **kwargs)
        self.account_status = status
        self.reason = reason


class EmailNotVerified(RecoveryError):
    code = "email_unverified"
    status = 403
    message = N_("Please verify your email address first. We have sent you a new code.")


class NotFound(RecoveryError):
    code = "not_found"
    status = 404
    message = N_("We could not find what you asked for.")


class Conflict(RecoveryError):
    code = "conflict"
    status = 409
    message = N_("That was changed by another request. Please try again.")


class TokenInvalid(RecoveryError):
    code = "token_invalid"
    status = 400
    message = N_("This link or code is invalid or has expired.")


class TooManyAttempts(RecoveryError):
    code = "rate_limited"
    status = 429
    message = N_("Too many attempts. Please wait and try again.")

    def __init__(self, retry_after: int, message: str | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = max(1, int(retry_after))


class ServiceUnavailable(RecoveryError):
    code = "service_unavailable"
    status = 503
    message = N_("The service is temporarily unavailable. Please try again shortly.")
    retry_after = 5  # seconds, in the Retry-After header
