"""The assistant's errors: what a caller must do before a person takes over, and a conversation that has ended."""

from __future__ import annotations

from recovery.errors import N_, RecoveryError


class ContactRequired(RecoveryError):
    """Signed out, a hand-off first proves an address on the account with the emailed code (docs/help.md)."""

    code = "contact_required"
    status = 428
    message = N_("To pass you to a person, we first send a code to the email addresses on your account.")


class ConversationClosed(RecoveryError):
    code = "conversation_closed"
    status = 409
    message = N_("A person on our support team has this conversation now: continue on your request's page.")


class ConversationFull(RecoveryError):
    code = "conversation_full"
    status = 409
    message = N_("This conversation is as long as it can be. Talk to a person, or start a new conversation.")
