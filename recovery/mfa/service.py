"""MFA: enroll a TOTP authenticator, recovery codes, verify a second factor, turn it off, support resets.

```mermaid
stateDiagram-v2
    [*] --> pending: begin_enrollment (re-authenticated; the secret is shown while pending only)
    pending --> active: confirm_enrollment (a valid code; 10 recovery codes issued)
    pending --> [*]: mfa_enrollment_minutes pass, or a new begin_enrollment
    active --> active: begin + confirm again (replace: password and a current code)
    active --> [*]: disable_totp (password and a current code) or reset_mfa (support decision)
```

For other capabilities: `verify_second_factor(ctx, user, code) -> "totp" | "recovery_code"` (the password reset),
`reset_mfa(ctx, user, actor_note=...)` (the support console), `totp_enabled(ctx, user)` (accounts).
The sign-in step after the password lives in recovery/mfa/challenge.py and is re-exported here.
Errors: see recovery/mfa/errors.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from recovery import crypto
from recovery.accounts.models import User
from recovery.accounts.notify import notify_security
from recovery.accounts.service import confirm_password, set_second_factor
from recovery.context import ServiceContext
from recovery.errors import N_, Message, ValidationFailed
from recovery.events.service import record_event
from recovery.mfa import recovery_codes, totp
from recovery.mfa.budget import check_code, mark_passed
from recovery.mfa.challenge import complete_challenge, drop_challenges, find_challenge, start_challenge
from recovery.mfa.errors import EnrollmentExpired, MfaNotEnabled, SecondFactorInvalid, StaffMustKeepMfa
from recovery.mfa.factors import Proof, accept_proof, authenticator, failure, secret_of, spend_totp
from recovery.mfa.models import ACTIVE, PENDING, TotpAuthenticator
from recovery.passkeys import service as passkeys
from recovery.passkeys.queries import first_added as passkey_added
from recovery.passkeys.queries import has_any as has_passkey_row
from recovery.passwords import normalise_password
from recovery.sessions import service as sessions
from recovery.sessions.service import UserSession

__all__ = ["begin_enrollment", "complete_challenge", "confirm_enrollment", "disable_totp", "drop_challenges",
           "find_challenge", "has_second_factor", "mfa_status", "passes_staff_requirement", "pending_enrollment",
           "regenerate_recovery_codes", "remove_factors_added_since", "reset_mfa", "rotate_encryption_keys",
           "staff_factor_missing", "start_challenge", "sync_second_factor", "totp_enabled", "verify_second_factor"]

CHANGED_TEMPLATE = "mfa_changed"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Enrollment:
    """A pending authenticator as the person setting it up sees it (the only time the secret is shown)."""

    secret: str
    otpauth_uri: str
    expires_at: datetime
    replacing: bool

    @property
    def grouped_secret(self) -> str:
        return totp.grouped(self.secret)

    def qr_svg(self, title: str) -> str:
        return totp.qr_svg(self.otpauth_uri, title=title)


@dataclass(frozen=True)
class MfaStatus:
    totp_enabled: bool
    enabled_at: datetime | None
    recovery_codes_remaining: int
    pending_expires_at: datetime | None

    @property
    def low_on_codes(self) -> bool:
        return self.totp_enabled and self.recovery_codes_remaining <= recovery_codes.WARN_AT


def has_second_factor(ctx: ServiceContext, user: User) -> bool:
    """Whether a password alone is not enough for this account: the account row says so
    (accounts.set_second_factor) or an authenticator is active. Fail safe: either one is enough, so a flag out of
    step with this capability's table (written by a release before users.second_factor_at) never lets a
    password alone through; `mfa.sync_second_factor` puts the flag back in step."""
    return user.has_second_factor or totp_enabled(ctx, user) or passkeys.has_passkey(ctx, user.id)


def staff_factor_missing(ctx: ServiceContext, user: User) -> bool:
    """A staff account lacks what the staff requirement asks for: a second factor (RECOVERY_STAFF_REQUIRE_MFA),
    and a passkey in particular when RECOVERY_STAFF_REQUIRE_PHISHING_RESISTANT is set."""
    if ctx.settings.staff_require_phishing_resistant:
        return not passkeys.has_passkey(ctx, user.id)
    return ctx.settings.staff_require_mfa and not has_second_factor(ctx, user)


def passes_staff_requirement(ctx: ServiceContext, user: User, method: str) -> bool:
    """Whether a sign-in whose second factor was `method` counts as past MFA: any factor does, but only a
    passkey for staff where a phishing-resistant one is required (a TOTP code can be phished)."""
    return method == "passkey" or not (user.is_staff and ctx.settings.staff_require_phishing_resistant)


def totp_enabled(ctx: ServiceContext, user: User) -> bool:
    return authenticator(ctx, user.id) is not None


def mfa_status(ctx: ServiceContext, user: User) -> MfaStatus:
    active, pending = authenticator(ctx, user.id), authenticator(ctx, user.id, PENDING)
    return MfaStatus(totp_enabled=active is not None, enabled_at=active.confirmed_at if active else None,
                     recovery_codes_remaining=recovery_codes.remaining(ctx, user.id) if active else 0,
                     pending_expires_at=pending.expires_at if pending else None)


# --- enrollment ------------------------------------------------------------------------------------------

def begin_enrollment(ctx: ServiceContext, user: User, *, password: str | None = None, code: str | None = None,
                     replacing: bool = False) -> Enrollment:
    """A new secret, pending until a valid code confirms it. Replacing an active one needs password and code.

    A first enrollment relies on the caller's re-authentication guard; `replacing=True` (the replace form,
    which has no such guard) refuses to start a first enrollment.
    """
    active = authenticator(ctx, user.id)
    if active is None and replacing:
        raise MfaNotEnabled()
    if active is not None:
        _confirm_password_and_code(ctx, user, password, code, purpose="replace")
    ctx.session.execute(delete(TotpAuthenticator).where(TotpAuthenticator.user_id == user.id,
                                                        TotpAuthenticator.state == PENDING))
    now = ctx.clock.now()
    secret = totp.new_secret(ctx.tokens)
    row = TotpAuthenticator(user_id=user.id, state=PENDING, secret_ciphertext=crypto.seal(ctx.settings, secret, now),
                            last_used_step=active.last_used_step if active else 0, created_at=now,
                            expires_at=now + timedelta(minutes=ctx.settings.mfa_enrollment_minutes))
    ctx.session.add(row)
    record_event(ctx, "mfa.totp.enrollment_started", user_id=user.id, replacing=active is not None)
    ctx.session.flush()
    return _enrollment(ctx, user, row, secret, replacing=active is not None)


def pending_enrollment(ctx: ServiceContext, user: User) -> Enrollment | None:
    row = authenticator(ctx, user.id, PENDING)
    if row is None:
        return None
    return _enrollment(ctx, user, row, secret_of(ctx, row), replacing=totp_enabled(ctx, user))


def _enrollment(ctx: ServiceContext, user: User, row: TotpAuthenticator, secret: str, *,
                replacing: bool) -> Enrollment:
    uri = totp.provisioning_uri(secret, account=user.email, issuer=ctx.settings.mfa_issuer)
    assert row.expires_at is not None  # set on every pending row, and only pending rows get here
    return Enrollment(secret=secret, otpauth_uri=uri, expires_at=row.expires_at, replacing=replacing)


def confirm_enrollment(ctx: ServiceContext, user: User, code: str, *,
                       session: UserSession | None = None) -> list[str]:
    """Switch the pending authenticator on with a valid code; returns new recovery codes (none on a replace).

    The session that confirmed has just proved the factor, so it counts as having passed MFA.
    """
    pending = authenticator(ctx, user.id, PENDING)
    if pending is None:
        raise EnrollmentExpired()
    checked = check_code(ctx, user, lambda: spend_totp(ctx, pending, (code or "").strip()), purpose="enroll")
    step = checked.result
    if step is None:
        raise SecondFactorInvalid(persist=[failure(ctx, user, "enroll")])
    mark_passed(ctx, checked.attempt_id)
    previous = authenticator(ctx, user.id)
    if previous is not None:
        step = max(step, previous.last_used_step)
        ctx.session.delete(previous)
        ctx.session.flush()
    pending.state, pending.last_used_step = ACTIVE, step
    pending.confirmed_at, pending.expires_at = ctx.clock.now(), None
    set_second_factor(ctx, user, pending.confirmed_at)
    if session is not None:
        sessions.mark_mfa_passed(ctx, session)
    codes = [] if previous is not None else recovery_codes.replace_codes(ctx, user)
    change = "replaced" if previous is not None else "enabled"
    record_event(ctx, f"mfa.totp.{change}", user_id=user.id)
    notify_security(ctx, user, CHANGED_TEMPLATE, change=change)
    ctx.session.flush()
    return codes


def regenerate_recovery_codes(ctx: ServiceContext, user: User) -> list[str]:
    """A new set of recovery codes; every old one stops working."""
    if not totp_enabled(ctx, user):
        raise MfaNotEnabled()
    codes = recovery_codes.replace_codes(ctx, user)
    record_event(ctx, "mfa.recovery_codes.generated", user_id=user.id, count=len(codes))
    notify_security(ctx, user, CHANGED_TEMPLATE, change="codes_regenerated")
    return codes


# --- turning it off --------------------------------------------------------------------------------------

def disable_totp(ctx: ServiceContext, user: User, *, password: str, code: str) -> None:
    """Turn MFA off with the password and a current factor; every address is told."""
    if not totp_enabled(ctx, user):
        raise MfaNotEnabled()
    if user.is_staff and ctx.settings.staff_require_mfa:
        raise StaffMustKeepMfa()
    _confirm_password_and_code(ctx, user, password, code, purpose="disable", check_length=True)
    _remove_factors(ctx, user)
    record_event(ctx, "mfa.totp.disabled", user_id=user.id)
    notify_security(ctx, user, CHANGED_TEMPLATE, change="disabled")


def reset_mfa(ctx: ServiceContext, user: User, *, actor_note: str = "") -> bool:
    """Support decision (a granted ticket): remove the authenticator, recovery codes and passkeys; the holder is
    told. Returns whether there was anything to remove. The acting staff member is ctx.actor.
    """
    had_factor = totp_enabled(ctx, user) or passkeys.has_passkey(ctx, user.id)
    passkeys.remove_all(ctx, user.id)
    _remove_factors(ctx, user)
    record_event(ctx, "mfa.reset", user_id=user.id, note=(actor_note or "")[:500], had_factor=had_factor)
    notify_security(ctx, user, CHANGED_TEMPLATE, change="reset_by_support")
    ctx.session.flush()
    return had_factor


@dataclass(frozen=True)
class RemovedFactor:
    """A second factor containment took away: what it was, when and where it was added."""

    kind: str  # "passkey" or "totp"
    name: str
    created_at: datetime
    device: str = ""
    place: str = ""


def remove_factors_added_since(ctx: ServiceContext, user: User, since: datetime) -> list[RemovedFactor]:
    """Containment of a stolen account: remove every second factor added at or after `since` (the start of the
    exposure) - passkeys, and the authenticator (with its recovery codes) if it was confirmed since - without the
    holder's code, since whoever added them may hold the account. The flag follows what is left. Nobody is
    emailed here: containment's one email tells the owner."""
    removed = [RemovedFactor("passkey", row.name, row.created_at, row.created_device, row.created_place)
               for row in passkeys.remove_added_since(ctx, user, since, reason="account_secured")]
    active = authenticator(ctx, user.id)
    if active is not None and active.confirmed_at is not None and active.confirmed_at >= since:
        removed.append(RemovedFactor("totp", "Authenticator app", active.confirmed_at))
        _remove_factors(ctx, user)
        record_event(ctx, "mfa.totp.disabled", user_id=user.id, reason="account_secured")
    else:
        ctx.session.execute(delete(TotpAuthenticator).where(TotpAuthenticator.user_id == user.id,
                                                            TotpAuthenticator.state == PENDING)
                            .execution_options(synchronize_session="fetch"))
        if removed and active is None and not passkeys.has_passkey(ctx, user.id):
            set_second_factor(ctx, user, None)
    ctx.session.flush()
    return removed


def _remove_factors(ctx: ServiceContext, user: User) -> None:
    ctx.session.execute(delete(TotpAuthenticator).where(TotpAuthenticator.user_id == user.id)
                        .execution_options(synchronize_session="fetch"))
    recovery_codes.delete_codes(ctx, user.id)
    drop_challenges(ctx, user.id)
    if not passkeys.has_passkey(ctx, user.id):  # passkeys are a second factor too: the flag stays with them
        set_second_factor(ctx, user, None)


def _confirm_password_and_code(ctx: ServiceContext, user: User, password: str | None, code: str | None, *,
                               purpose: str, check_length: bool = False) -> None:
    """Re-authentication for factor changes: the password and a current TOTP or recovery code, both."""
    missing = {name: [N_("This is needed to confirm it is you.")]
               for name, value in (("password", password), ("code", code)) if not value}
    if missing:
        raise ValidationFailed(missing)
    confirm_password(ctx, user, password or "")
    min_length = ctx.settings.password_min_length
    if check_length and len(normalise_password(password or "")) < min_length:
        raise ValidationFailed({"password": [Message(N_(
            "Your password is shorter than %(min)d characters, which is allowed only with two-step "
            "verification. Change your password first."), {"min": min_length})]})
    verify_second_factor(ctx, user, code or "", purpose=purpose)


# --- for other capabilities ------------------------------------------------------------------------------

def verify_second_factor(ctx: ServiceContext, user: User, code: Proof, *, purpose: str = "verify") -> str:
    """Spend a TOTP or recovery code of the account, or check one of its passkeys: "totp", "recovery_code" or
    "passkey"; SecondFactorInvalid if wrong.

    Every code is counted against the account's budget before it is checked (mfa.budget.check_code); a wrong
    one commits its count with what the request read so far (call it before writing anything), and is recorded,
    kept when the change rolls back; a right one's count commits with the change.
    """
    kept: list = []
    checked = check_code(ctx, user, lambda: accept_proof(ctx, user, authenticator(ctx, user.id), code, kept),
                         purpose=purpose)
    if checked.result is None:
        raise SecondFactorInvalid(persist=[failure(ctx, user, purpose), *kept])
    mark_passed(ctx, checked.attempt_id)
    return checked.result


def sync_second_factor(ctx: ServiceContext, *, batch: int = 1000) -> int:
    """Put users.second_factor_at back in step with the active authenticators (a periodic job): set it where an
    authenticator is active and the flag is not, clear it where the flag is set and none is (a release that
    predates the flag enrolled or removed a factor); passkeys count as factors; returns how many accounts changed,
    at most 3 x `batch`."""
    totp_active = select(TotpAuthenticator.id).where(TotpAuthenticator.user_id == User.id,
                                                     TotpAuthenticator.state == ACTIVE).exists()
    active = totp_active | has_passkey_row(User.id)
    unflagged: list = list(ctx.session.execute(
        select(User, func.coalesce(TotpAuthenticator.confirmed_at, TotpAuthenticator.created_at))
        .join(TotpAuthenticator, (TotpAuthenticator.user_id == User.id) & (TotpAuthenticator.state == ACTIVE))
        .where(User.second_factor_at.is_(None)).order_by(User.id).limit(batch)).all())
    stale = list(ctx.session.scalars(select(User).where(User.second_factor_at.is_not(None), ~active)
                                     .order_by(User.id).limit(batch)))
    unflagged += ctx.session.execute(  # passkeys only (added by a release before they counted)
        select(User, passkey_added(User.id)).where(User.second_factor_at.is_(None), has_passkey_row(User.id),
                                                   ~totp_active).order_by(User.id).limit(batch)).all()
    for user, since in unflagged:
        set_second_factor(ctx, user, since)
    for user in stale:
        set_second_factor(ctx, user, None)
    changed = len(unflagged) + len(stale)
    if changed:
        log.warning("second-factor flag out of step on %d account(s): put back in step", changed)
    ctx.session.flush()
    return changed


def rotate_encryption_keys(ctx: ServiceContext) -> tuple[int, int]:
    """Re-encrypt every TOTP secret under the newest key: (re-encrypted, unreadable with any configured key)."""
    done = unreadable = 0
    now = ctx.clock.now()
    for row in ctx.session.scalars(select(TotpAuthenticator).order_by(TotpAuthenticator.id)):
        try:
            row.secret_ciphertext = crypto.reencrypt(ctx.settings, row.secret_ciphertext, now)
            done += 1
        except crypto.InvalidToken:
            unreadable += 1
    if done:
        record_event(ctx, "mfa.keys.rotated", user_id=None, count=done, unreadable=unreadable)
    ctx.session.flush()
    return done, unreadable
