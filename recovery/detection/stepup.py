"""Step-up for an account without a second factor: a correct password whose risk asks for more gets an emailed
one-time code instead of a session.

```mermaid
stateDiagram-v2
    [*] --> waiting: start_step_up (code and a "secure my account" button emailed; token to the client)
    waiting --> passed: complete_step_up with the code (row deleted; the caller starts the session)
    waiting --> waiting: a wrong code (each try counted before its code is compared, committed before the answer)
    waiting --> [*]: the 5th wrong code or 10 minutes: sign in again
```
The code is 8 digits, kept only as an HMAC bound to its challenge, and never logged.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from recovery import codes
from recovery.accounts.models import User
from recovery.codes import Codes
from recovery.context import ServiceContext
from recovery.detection import notices
from recovery.detection.errors import StepUpEnded, StepUpInvalid
from recovery.detection.models import SigninAttempt, StepUpChallenge
from recovery.detection.policy import detection_policy
from recovery.events.service import record_event
from recovery.mfa.budget import Tries, check_code, mark_passed
from recovery.outbox.service import queue_email

TEMPLATE = "signin_code"
_TOKEN_PURPOSE = "signin-step-up"  # noqa: S105 - a digest label
_CODE_PURPOSE = "signin-step-up-code"
_DIGITS = 8


def start_step_up(ctx: ServiceContext, user: User, *, kind: str, attempt: SigninAttempt | None = None) -> str:
    """Email a code and return the token that stands for "password given, emailed code due"."""
    policy = detection_policy(ctx.settings)
    now = ctx.clock.now()
    ctx.session.execute(delete(StepUpChallenge).where(StepUpChallenge.user_id == user.id)
                        .execution_options(synchronize_session=False))
    token, code = ctx.tokens.opaque(32), ctx.tokens.numeric_code(_DIGITS)
    token_digest = ctx.tokens.digest(token, _TOKEN_PURPOSE)
    ctx.session.add(StepUpChallenge(token_digest=token_digest, code_digest=codes.digest(
        ctx, code, _CODE_PURPOSE, token_digest), user_id=user.id, attempt_id=attempt.id if attempt else None,
        kind=kind, failures=0, created_at=now, expires_at=now + timedelta(minutes=policy.step_up_minutes)))
    # The code tells the owner someone has the password: the email carries the one-click way out too.
    secure_link = notices.button_link(ctx, user, notices.SECURE, attempt=attempt)
    queue_email(ctx, to=user.email, template=TEMPLATE, locale=user.locale, user_id=user.id, code=code,
                minutes=policy.step_up_minutes, ip=ctx.actor.ip, secure_link=secure_link,
                link_days=ctx.settings.detection_link_days)
    record_event(ctx, "detection.step_up.started", user_id=user.id, actor=ctx.actor.as_user(user.id),
                 method="email_code")
    ctx.session.flush()
    return token


def find_step_up(ctx: ServiceContext, token: str | None, *, kind: str) -> StepUpChallenge | None:
    if not token or len(token) > 128:
        return None
    row = ctx.session.scalar(select(StepUpChallenge).where(
        StepUpChallenge.token_digest == ctx.tokens.digest(token, _TOKEN_PURPOSE), StepUpChallenge.kind == kind))
    return row if row is not None and row.expires_at > ctx.clock.now() else None


def complete_step_up(ctx: ServiceContext, token: str | None, code: str, *, kind: str) -> User:
    """The user whose emailed code this is; the challenge is used up. The caller starts the session."""
    row = find_step_up(ctx, token, kind=kind)
    user = ctx.session.get(User, row.user_id) if row is not None else None
    if row is None or user is None or not user.is_active:
        raise StepUpEnded()
    # Read before the count (a wrong code's commit ends the transaction: a parallel request may end the row then).
    challenge_id, digests = row.id, (row.token_digest, row.code_digest)
    spent = _codes(ctx)
    checked = check_code(ctx, user, lambda: code_matches(ctx, digests, code) or None, purpose="step-up",
                         tries=Tries(spent, challenge_id, StepUpEnded))
    if checked.result is None:
        raise _failed(ctx, user, challenge_id, checked.tries)
    mark_passed(ctx, checked.attempt_id)
    if spent.consume(ctx, challenge_id) is None:
        raise StepUpEnded()
    record_event(ctx, "detection.step_up.passed", user_id=user.id, actor=ctx.actor.as_user(user.id))
    return user


def _codes(ctx: ServiceContext) -> Codes:
    """The step-up codes (recovery.codes): a used one's row is deleted, its tries are counted in `failures`."""
    return Codes(StepUpChallenge, detection_policy(ctx.settings).step_up_max_failures, attempts="failures",
                 used_at=None)


def code_matches(ctx: ServiceContext, digests: tuple[str, str], code: object) -> bool:
    """The one place a step-up code is compared (recovery.codes: what was typed, normalised, against the HMAC
    bound to its challenge's token digest): `digests` is the challenge's (token_digest, code_digest)."""
    token_digest, code_digest = digests
    return codes.matches(ctx, code, _DIGITS, code_digest, _CODE_PURPOSE, token_digest)


def _failed(ctx: ServiceContext, user: User, challenge_id: int, tries: int) -> StepUpInvalid | StepUpEnded:
    """A wrong code (its try is already counted): the event is kept, and the challenge ends with its last try."""
    spent = _codes(ctx)
    event = record_event(ctx, "detection.step_up.failed", user_id=user.id, actor=ctx.actor.as_user(user.id),
                         failures=tries)
    error: type[StepUpEnded | StepUpInvalid] = StepUpEnded if tries >= spent.max_tries else StepUpInvalid
    return error(persist=[event, spent.drop_if_spent(challenge_id)])


def drop_step_ups(ctx: ServiceContext, user_id: int) -> None:
    ctx.session.execute(delete(StepUpChallenge).where(StepUpChallenge.user_id == user_id)
                        .execution_options(synchronize_session=False))
