"""JSON API of signing in: a Bearer token for email and password, or the pending step (a second factor, an
emailed code) and the calls that finish it. Only JSON here; recovery.signin decides."""

from __future__ import annotations

from flask import Blueprint, request

from recovery.accounts.view_kit import account_errors, limit_signin
from recovery.detection.schemas import SessionTokenOut, StepUpBody, StepUpRequiredOut
from recovery.detection.view_kit import client_signals
from recovery.mfa.view_kit import code_errors, limit_codes
from recovery.passkeys import service as passkeys
from recovery.passkeys.schemas import AssertionBody, AuthenticationOptionsBody, CeremonyOut
from recovery.passkeys.view_kit import limit_options, limit_passkey_signin, passkey_errors
from recovery.sessions.api import session_created
from recovery.signin.flow import (
    Outcome,
    Passkey,
    Password,
    SecondFactorDue,
    StepUpDue,
    finish_second_factor,
    finish_step_up,
    sign_in,
)
from recovery.signin.schemas import MfaRequiredBody, MfaSignInBody, SessionCreatedBody, SignInBody
from recovery.web.context import service_context
from recovery.web.forms import parse_json
from recovery.web.openapi import api_doc
from recovery.web.ratelimit import limit

bp = Blueprint("signin_api", __name__, url_prefix="/api/v1")
TAGS = ("sessions",)
# Built once: a schema deep-copies its declared fields when built, which cost a sign-in more than its load.
_SIGN_IN, _SECOND_FACTOR, _STEP_UP = SignInBody(), MfaSignInBody(), StepUpBody()
_OPTIONS, _ASSERTION, _CEREMONY = AuthenticationOptionsBody(), AssertionBody(), CeremonyOut()
_MFA_REQUIRED, _STEP_UP_REQUIRED, _SESSION_TOKEN = MfaRequiredBody(), StepUpRequiredOut(), SessionTokenOut()


@bp.post("/sessions")
@api_doc("Sign in with email and password; answers a Bearer token for API calls, or (200) that a second "
         "factor (or, without one, an emailed code: step_up_required) is required", body=SignInBody,
         responses={201: SessionCreatedBody, 200: MfaRequiredBody, 202: StepUpRequiredOut},
         errors=(401, 403), auth=False, tags=TAGS)
@limit_signin
@account_errors
def create_session():
    data = parse_json(_SIGN_IN)
    outcome = sign_in(service_context(), Password(data["email"], data["password"]),
                      client_signals(password_step=True), kind="api")
    return _answer(outcome)


def _answer(outcome: Outcome):
    if isinstance(outcome, SecondFactorDue):
        return _MFA_REQUIRED.dump({"mfa_required": True, "mfa_token": outcome.token,
                                       "expires_at": outcome.expires_at})
    if isinstance(outcome, StepUpDue):  # no second factor to ask for: a code emailed to the account
        return _STEP_UP_REQUIRED.dump({"step_up_required": True, "step_up_token": outcome.token,
                                         "method": "email_code"}), 202
    return session_created(outcome.session, outcome.token)


@bp.post("/passkeys/authentication-options")
@api_doc("Options for navigator.credentials.get() (a discoverable passkey; the email, if sent, changes nothing, "
         "so they tell nothing about accounts): for POST /api/v1/sessions/passkey, or as the second factor of "
         "POST /api/v1/sessions/mfa", body=AuthenticationOptionsBody, body_required=False,
         responses={200: CeremonyOut}, auth=False, tags=("passkeys",))
@limit_options
def passkey_options():
    if request.content_length:
        parse_json(_OPTIONS)
    ceremony = passkeys.begin_authentication(service_context(), purpose=passkeys.AUTHENTICATE)
    return _CEREMONY.dump({"options": ceremony.options, "flow": ceremony.flow})


@bp.post("/sessions/passkey")
@api_doc("Sign in with a passkey (both factors: its authenticator verified the user); answers a Bearer token",
         body=AssertionBody, responses={201: SessionCreatedBody}, errors=(401, 403), auth=False, tags=TAGS)
@limit_passkey_signin
@account_errors
@passkey_errors
def create_passkey_session():
    data = parse_json(_ASSERTION)
    return _answer(sign_in(service_context(), Passkey(data["flow"], data["credential"]), client_signals(),
                           kind="api"))


@bp.post("/sessions/mfa")
@api_doc("Complete a sign-in with the mfa_token and a TOTP or recovery code, or a passkey (flow and credential); "
         "answers a Bearer token", body=MfaSignInBody, responses={201: SessionCreatedBody}, errors=(401,),
         auth=False, tags=TAGS)
@limit_codes
@code_errors
def complete_mfa():
    data = parse_json(_SECOND_FACTOR)
    proof = Passkey(data["flow"], data["credential"]) if "flow" in data else data["code"]
    signed_in = finish_second_factor(service_context(), data["mfa_token"], proof, client_signals(), kind="api")
    return session_created(signed_in.session, signed_in.token)


@bp.post("/sessions/step-up")
@api_doc("Finish a risky sign-in with the code emailed to the account (accounts without MFA)", body=StepUpBody,
         responses={201: SessionTokenOut}, auth=False, tags=TAGS)
@limit("step-up-api-ip")
def step_up():
    data = parse_json(_STEP_UP)
    signed_in = finish_step_up(service_context(), data["step_up_token"], data["code"], client_signals(), kind="api")
    return _SESSION_TOKEN.dump({"session_token": signed_in.token}), 201
