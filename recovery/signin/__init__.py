"""Signing in: the one place that decides a sign-in, above the capabilities it composes.

```mermaid
stateDiagram-v2
    [*] --> password: sign_in(ctx, Password(email, password), signals, kind=...)
    password --> [*]: refused (SourceThrottled 429; AuthenticationFailed for an unknown email, a wrong password,
    password --> [*]: a temporary lock or a block; AccountNotActive / EmailNotVerified after a correct one)
    password --> SecondFactorDue: the account has a second factor (it also answers a risky sign-in)
    password --> StepUpDue: no second factor, and detection asks for more: a code is emailed
    password --> SignedIn: detection allows (or notifies): the server-side session starts
    [*] --> passkey: sign_in(ctx, Passkey(flow, credential), signals, kind=...)
    passkey --> SignedIn: verified with user verification: both factors, phishing-resistant; detection scores
    passkey --> [*]: it all the same (a block refuses, an unusual one emails the owner), never steps it up
    SecondFactorDue --> SignedIn: finish_second_factor with a TOTP or recovery code, or a passkey
    StepUpDue --> SignedIn: finish_step_up with the emailed code
```

What it composes, each through its owner's service: the account and its password (accounts), the attempt,
its score and the decision, the locks, the device and the emailed step-up (detection), the second-factor
challenge (mfa), the session (sessions). Every path records its attempt and event in the request's
transaction (failures in the error's `persist`, kept through the rollback).

Public surface (`from recovery import signin`):
    sign_in(ctx, credentials, signals, *, kind, replaces=None) -> SignedIn | SecondFactorDue | StepUpDue
    finish_second_factor(ctx, token, code, signals, *, kind, replaces=None) -> SignedIn
    finish_step_up(ctx, token, code, signals, *, kind, replaces=None) -> SignedIn
    has_pending_step_up(ctx, token, *, kind)  (the code page's GET: is there a code to type?)
The first factor is a `Credentials` value: `Password` or `Passkey` (passkey.py: a discoverable passkey's answer,
both factors at once; `first_factor` in flow.py dispatches on the type). The views (`views.py` for pages,
`api.py` for JSON) keep only cookies, redirects and JSON.
"""

from __future__ import annotations

from recovery.signin.flow import (
    Credentials,
    Outcome,
    Passkey,
    Password,
    SecondFactorDue,
    SignedIn,
    StepUpDue,
    finish_second_factor,
    finish_step_up,
    has_pending_step_up,
    sign_in,
)

__all__ = ["Credentials", "Outcome", "Passkey", "Password", "SecondFactorDue", "SignedIn", "StepUpDue",
           "finish_second_factor", "finish_step_up", "has_pending_step_up",
           "sign_in"]
