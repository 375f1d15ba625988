"""MFA: TOTP enrollment with a QR code, recovery codes, and the second step of sign-in."""
