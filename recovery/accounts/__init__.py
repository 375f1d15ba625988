"""Accounts: sign-up, email verification, passwords, roles, account status and notification addresses."""
