"""Passkeys (WebAuthn): phishing-resistant credentials, used as a second factor or to sign in without a password."""
