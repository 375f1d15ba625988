"""The test's phone (an authenticator app): enroll TOTP through the MFA service, produce codes at the frozen time.

Other capabilities' tests use `enroll_totp` for staff accounts (staff pages need MFA) and `Phone.code()` to
sign them in. A time step is accepted once per account, so `code()` moves the frozen clock to the next
30-second step when the current one was already used, as a person waiting for a new code would.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyotp

from recovery.accounts.models import User
from recovery.clock import FrozenClock
from recovery.context import ServiceContext
from recovery.mfa import service as mfa


@dataclass
class Phone:
    secret: str
    clock: FrozenClock
    recovery_codes: list[str] = field(default_factory=list)
    last_step: int = 0

    @property
    def totp(self) -> pyotp.TOTP:
        return pyotp.TOTP(self.secret)

    def code(self) -> str:
        """A code for a step this account has not used yet (the clock moves on when needed)."""
        step = self.totp.timecode(self.clock.now())
        if step <= self.last_step:
            self.clock.advance(seconds=30 * (self.last_step - step + 1))
        self.last_step = self.totp.timecode(self.clock.now())
        return self.totp.at(self.clock.now())

    def code_at(self, offset_steps: int) -> str:
        """The code of the step `offset_steps` away from now (drift tests); the clock does not move."""
        return self.totp.at(self.clock.now(), counter_offset=offset_steps)


def enroll_totp(ctx: ServiceContext, user: User) -> Phone:
    """Begin and confirm TOTP for `user` in this unit of work, at ctx.clock's time."""
    enrollment = mfa.begin_enrollment(ctx, user)
    phone = Phone(secret=enrollment.secret, clock=ctx.clock)  # type: ignore[arg-type]
    phone.recovery_codes = mfa.confirm_enrollment(ctx, user, phone.code())
    return phone
