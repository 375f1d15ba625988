"""How the MFA events read on the security page and in the staff log (merged into accounts.web.EVENT_LABELS)."""

from recovery.errors import N_

EVENT_LABELS = {
    "mfa.totp.enrollment_started": N_("Two-step verification setup started"),
    "mfa.totp.enabled": N_("Two-step verification turned on"),
    "mfa.totp.replaced": N_("Authenticator app replaced"),
    "mfa.totp.disabled": N_("Two-step verification turned off"),
    "mfa.reset": N_("Two-step verification reset by support"),
    "mfa.recovery_codes.generated": N_("New recovery codes made"),
    "mfa.recovery_code.used": N_("Recovery code used"),
    "mfa.code.failed": N_("Wrong two-step verification code"),
    "mfa.code.throttled": N_("Too many wrong codes"),
    "mfa.challenge.started": N_("Password accepted, code requested"),
    "mfa.challenge.failed": N_("Wrong code at sign-in"),
    "mfa.challenge.dropped": N_("Sign-in stopped after wrong codes"),
    "mfa.challenge.passed": N_("Signed in with a second factor"),
    "mfa.keys.rotated": N_("Encryption keys rotated"),
}
