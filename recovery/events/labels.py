"""What each security event type (and the account status, role and actor beside it) reads as, in both languages:
the one registry of these labels for every page, email and API; `label` is its template filter.

Every type any capability records (record_event) has a label here: tests/events/test_labels.py scans the code
and fails on a type without one. `HIDDEN_FROM_OWNER` are the staff's own workflow (an alert raised, a decision
waiting for its second approval, a retried email): the account holder's view leaves them out, staff pages
show them. Who acted reads as a team, never as a staff member (ACTOR_LABELS).
"""

from __future__ import annotations

from flask_babel import gettext

from recovery.errors import N_

EVENT_LABELS = {
    # accounts (recovery/accounts)
    "account.created": N_("Account created"),
    "account.email.verified": N_("Email address verified"),
    "account.email.verification_failed": N_("Wrong email verification code"),
    "account.signup.existing_email": N_("Someone tried to sign up with your address"),
    "account.signin.failed": N_("Failed sign-in"),
    "account.signin.refused": N_("Sign-in refused"),
    "account.password.changed": N_("Password changed"),
    "account.password.rehashed": N_("Password storage upgraded"),
    "account.password.confirm_failed": N_("Wrong password entered"),
    "account.contact.added": N_("Notification address added"),
    "account.contact.verified": N_("Notification address verified"),
    "account.contact.verification_failed": N_("Wrong code for a notification address"),
    "account.contact.removed": N_("Notification address removed"),
    "account.status.changed": N_("Account status changed"),
    "account.staff.created": N_("Staff account created"),
    "account.secured": N_("Account secured: locked and handed to the security team"),
    # reset (recovery/reset)
    "account.password.reset_requested": N_("Password reset requested"),
    "account.password.reset_link_sent": N_("Password reset link emailed"),
    "account.password.reset": N_("Password reset"),
    "account.password.reset_failed": N_("Password reset refused: wrong two-step verification code"),
    # sessions (recovery/sessions)
    "session.started": N_("Signed in"),
    "session.signed_out": N_("Signed out"),
    "session.revoked": N_("Session ended"),
    "session.revoked_all": N_("Sessions ended"),
    "session.reauthenticated": N_("Password confirmed"),
    # mfa (recovery/mfa)
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
    # passkeys (recovery/passkeys)
    "passkey.added": N_("Passkey added"),
    "passkey.renamed": N_("Passkey renamed"),
    "passkey.removed": N_("Passkey removed"),
    "passkey.used": N_("Passkey used"),
    "passkey.failed": N_("Passkey not accepted"),
    "passkey.counter_regressed": N_("Passkey refused: it may have been copied"),
    # detection (recovery/detection)
    "detection.signin.allow": N_("Sign-in checked"),
    "detection.signin.notify": N_("Unusual sign-in, reported to you"),
    "detection.signin.step_up": N_("Unusual sign-in, extra check asked"),
    "detection.signin.block": N_("Risky sign-in blocked"),
    "detection.signin.reported": N_("Sign-in reported as not you"),
    "detection.lock.engaged": N_("Sign-in paused after wrong passwords"),
    "detection.lock.lifted": N_("Sign-in pause lifted"),
    "detection.password.disabled": N_("Password switched off after too many wrong attempts"),
    "detection.device.confirmed": N_("Device confirmed as yours"),
    "detection.device.forgotten": N_("Device forgotten"),
    "detection.step_up.started": N_("Sign-in code emailed"),
    "detection.step_up.passed": N_("Sign-in code accepted"),
    "detection.step_up.failed": N_("Wrong sign-in code"),
    "detection.secure_link.sent": N_("Secure-my-account button emailed"),
    # tickets (recovery/tickets)
    "ticket.opened": N_("Support request opened"),
    "ticket.appeal.code_sent": N_("Code emailed to confirm an appeal"),
    "ticket.appeal.confirmed": N_("Appeal sent to support"),
    "ticket.recovery.code_sent": N_("Code emailed to confirm an account recovery request"),
    "ticket.contact.code_sent": N_("Code emailed to confirm a message to support"),
    "ticket.contact.sent": N_("Message sent to support"),
    "ticket.assistant.code_sent": N_("Code emailed to pass a conversation to support"),
    "ticket.assistant.handed_off": N_("Conversation with the assistant passed to support"),
    "ticket.recovery.requested": N_("Account recovery requested"),
    "ticket.recovery.cancelled": N_("Account recovery request cancelled"),
    "ticket.info_requested": N_("Support asked you for more information"),
    "ticket.merged": N_("Your request was merged with another one"),
    "ticket.decision.proposed": N_("Decision proposed, waiting for a second approval"),
    "ticket.proposal.approved": N_("Proposed decision approved by a second staff member"),
    "ticket.proposal.rejected": N_("Proposed decision rejected by a second staff member"),
    "ticket.proposal.withdrawn": N_("Proposed decision withdrawn"),
    "ticket.decision.granted": N_("Support granted your appeal"),
    "ticket.decision.denied": N_("Support denied your appeal"),
    "ticket.decision.ineligible": N_("Support could not act on your appeal"),
    "ticket.decision.withdrawn": N_("Your appeal was withdrawn"),
    # alerts (recovery/alerts)
    "alert.raised": N_("Security alert raised"),
    "alert.acknowledged": N_("Security alert taken up"),
    "alert.resolved": N_("Security alert resolved"),
    "alert.action.locked": N_("Security team locked your account"),
    "alert.action.sessions_revoked": N_("Security team signed you out everywhere"),
    "alert.action.ticket_opened": N_("Security team opened a case about your account"),
    "alert.webhook.created": N_("Alert webhook added"),
    "alert.webhook.deleted": N_("Alert webhook removed"),
    # outbox (recovery/outbox)
    "outbox.message.failed": N_("An email to you could not be delivered"),
    "outbox.message.retried": N_("Email sent again by support"),
}

HIDDEN_FROM_OWNER = frozenset({
    "alert.raised", "alert.acknowledged", "alert.resolved", "alert.webhook.created", "alert.webhook.deleted",
    "ticket.decision.proposed", "ticket.proposal.approved", "ticket.proposal.rejected", "ticket.proposal.withdrawn",
    "outbox.message.retried", "mfa.keys.rotated", "account.staff.created",
})

# Who acted, as the account holder reads it (events/owner.py decides which).
ACTOR_LABELS = {
    "account": N_("You or someone signing in as you"),
    "support": N_("Support team"),
    "security": N_("Security team"),
    "recovery": N_("recovery (automatic)"),
    "other": N_("Another account"),
}

# The account's status and role, as the staff pages, the ticket timeline and the status email name them.
STATUS_LABELS = {"active": N_("Active"), "locked": N_("Locked"), "suspended": N_("Suspended"),
                 "banned": N_("Banned")}
ROLE_LABELS = {"user": N_("User"), "agent": N_("Support agent"), "security": N_("Security team"),
               "admin": N_("Administrator")}

UNKNOWN_EVENT = N_("Security event")

# The account holder's history in sentences (events/owner.py): what they did themselves, as "You ..." ...
OWN_SENTENCES = {
    "account.created": N_("You created your account"),
    "account.email.verified": N_("You verified your email address"),
    "account.password.changed": N_("You changed your password"),
    "account.password.reset": N_("You reset your password with an emailed link"),
    "account.password.reset_requested": N_("You asked for a password reset link"),
    "account.contact.added": N_("You added a notification address"),
    "account.contact.verified": N_("You verified a notification address"),
    "account.contact.removed": N_("You removed a notification address"),
    "account.secured": N_("You secured your account: it is locked and our security team took over"),
    "session.started": N_("You signed in"),
    "session.signed_out": N_("You signed out"),
    "session.revoked": N_("You signed out one of your sessions"),
    "session.revoked_all": N_("You signed out everywhere else"),
    "session.reauthenticated": N_("You confirmed your password"),
    "mfa.totp.enrollment_started": N_("You started setting up two-step verification"),
    "mfa.totp.enabled": N_("You turned on two-step verification"),
    "mfa.totp.replaced": N_("You replaced your authenticator app"),
    "mfa.totp.disabled": N_("You turned off two-step verification"),
    "mfa.recovery_codes.generated": N_("You made new recovery codes"),
    "mfa.recovery_code.used": N_("You used a recovery code"),
    "mfa.challenge.passed": N_("You signed in with two-step verification"),
    "detection.device.confirmed": N_("You confirmed a device as yours"),
    "detection.device.forgotten": N_("You removed a device from your known devices"),
    "detection.signin.reported": N_("You reported a sign-in as not you"),
    "detection.step_up.passed": N_("You entered the emailed sign-in code"),
    "ticket.appeal.confirmed": N_("You sent an appeal"),
    "ticket.contact.sent": N_("You sent a message to support"),
    "ticket.assistant.handed_off": N_("You asked the assistant to pass you to a person"),
    "ticket.recovery.requested": N_("You asked to recover your account"),
    "ticket.recovery.cancelled": N_("You cancelled an account recovery request"),
}
# ... and what a staff team did, as "Our support team ..." / "Our security team ..." (%(team)s is TEAMS').
TEAM_SENTENCES = {
    "account.status.changed": N_("%(team)s changed your account's status"),
    "account.password.reset_link_sent": N_("%(team)s sent you a password reset link"),
    "session.revoked_all": N_("%(team)s signed you out everywhere"),
    "session.revoked": N_("%(team)s ended one of your sessions"),
    "mfa.reset": N_("%(team)s reset your two-step verification"),
    "ticket.opened": N_("%(team)s opened a request about your account"),
    "ticket.info_requested": N_("%(team)s asked you for more information"),
    "ticket.merged": N_("%(team)s merged your request with another one"),
    "ticket.decision.granted": N_("%(team)s granted your appeal"),
    "ticket.decision.denied": N_("%(team)s denied your appeal"),
    "ticket.decision.ineligible": N_("%(team)s could not act on your appeal"),
    "ticket.decision.withdrawn": N_("%(team)s withdrew your appeal"),
    "alert.action.locked": N_("%(team)s locked your account"),
    "alert.action.sessions_revoked": N_("%(team)s signed you out everywhere"),
    "alert.action.ticket_opened": N_("%(team)s opened a request about your account"),
}
TEAMS = {"support": N_("Our support team"), "security": N_("Our security team")}
TEAM_DID = N_("%(team)s: %(what)s")  # a staff event without a sentence of its own: the team, then the label

_KINDS = {"event": EVENT_LABELS, "actor": ACTOR_LABELS, "status": STATUS_LABELS, "role": ROLE_LABELS}


def event_label(type: str) -> str:
    """The msgid of an event type's label (translate it where it is shown)."""
    return EVENT_LABELS.get(type, UNKNOWN_EVENT)


def own_sentence(type: str, actor: str) -> str:
    """What happened, as the account holder reads it, translated: "You signed in", "Our support team denied
    your appeal"; an event without a sentence of its own reads as its label ("Security event" if none)."""
    if actor == "account" and type in OWN_SENTENCES:
        return gettext(OWN_SENTENCES[type])
    if actor in TEAMS:
        team = gettext(TEAMS[actor])
        if type in TEAM_SENTENCES:
            return gettext(TEAM_SENTENCES[type], team=team)
        return gettext(TEAM_DID, team=team, what=gettext(event_label(type)))
    return gettext(event_label(type))


def label(value: str, kind: str) -> str:
    """`{{ e.type|label("event") }}`: the translated words for a code, in the page's or the email's language.

    An event type without a label reads as "Security event", never as its code.
    """
    labels = _KINDS[kind]
    if value in labels:
        return gettext(labels[value])
    return gettext(UNKNOWN_EVENT) if kind == "event" else value
