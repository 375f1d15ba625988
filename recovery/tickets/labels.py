"""What people see for the tickets capability's codes (categories, statuses, reasons, outcomes, queues, ...).

Marked with N_ so the catalogs carry them; views and emails translate them at render time.
"""

from recovery.errors import N_

LABELS: dict[str, dict[str, str]] = {
    "category": {"stolen_account": N_("Stolen account"), "unblock_appeal": N_("Unblock appeal"),
                 "account_recovery": N_("Account recovery"), "mfa_reset": N_("Second-factor reset"),
                 "other": N_("Other")},
    "status": {"new": N_("New"), "open": N_("Open"), "waiting_on_user": N_("Waiting on requester"),
               "resolved": N_("Resolved"), "closed": N_("Closed")},
    "outcome": {"granted": N_("Granted"), "denied": N_("Denied"), "ineligible": N_("Ineligible"),
                "withdrawn": N_("Withdrawn")},
    "reason": {"banned_by_mistake": N_("My account was banned by mistake"),
               "account_locked": N_("My account is locked"),
               "account_stolen": N_("Someone else took over my account"),
               "lost_second_factor": N_("I lost my second factor"), "other": N_("Something else")},
    "queue": {"support-l1": N_("Support (level 1)"), "support-l2": N_("Support (level 2)"),
              "security": N_("Security")},
    "action": {"unblock": N_("Unblock the account"), "revoke_sessions": N_("Sign out every session"),
               "force_password_reset": N_("Send a password reset link"), "reset_mfa": N_("Reset the second factor")},
    "sla": {"ok": N_("On time"), "due_soon": N_("Due soon"), "breached": N_("Breached"), "paused": N_("Paused")},
    "question": {"last_signin_place": N_("Last sign-in place"), "last_signin_date": N_("Last sign-in date"),
                 "devices": N_("Devices used"), "recent_activity": N_("Recent activity")},
    "decision_status": {"pending": N_("Waiting for a second approval"), "executed": N_("Carried out"),
                        "superseded": N_("Replaced"), "rejected": N_("Rejected by a second staff member"),
                        "withdrawn": N_("Withdrawn by its proposer")},
    # What the assistant understood a line of a handed-off conversation to be about (ticket_transcript_lines).
    "intent": {"human": N_("Asked for a person"), "dispute": N_("Dispute"), "stolen": N_("Stolen account"),
               "lost_email": N_("Lost access to email"), "lost_factor": N_("Lost second factor"),
               "reset": N_("Forgotten password"), "appeal": N_("Locked or banned account"),
               "suspicious": N_("Suspicious activity"), "status": N_("Request status")},
}


# What a request the person did not write themselves is about, by the ticket's source, in their words: its
# opening message is a note written for staff (the source, the alert's numbers) and is never shown to them.
SUMMARIES: dict[str, str] = {
    "secure_account": N_("You told us someone else may have used your account. We locked it to keep it safe "
                         "and signed everyone out. Our security team is checking the account and will write "
                         "to you here."),
    "alert": N_("Our security team opened this request to check recent activity on your account. We will "
                "write to you here if we need anything from you."),
}


def case_summary(ticket: object) -> str | None:
    """The msgid that says what a request opened for the person is about; None for one they wrote."""
    return SUMMARIES.get(str(getattr(ticket, "source", "")))


def label_of(kind: str, value: object) -> str:
    """The English label (a msgid), or the value itself when it has none."""
    return LABELS.get(kind, {}).get(str(value), str(value))
