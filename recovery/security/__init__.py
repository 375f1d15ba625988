"""The account holder's security page: one page composed from accounts, sessions, MFA, detection and events."""
