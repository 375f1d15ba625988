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
    # The requester's language (Ticket.locale), as the queue shows it in either console language.
    "language": {"en": N_("English"), "zh_Hans": N_("Chinese")},
    # The queue's saved views (tickets.queries.VIEWS), each a URL: /staff/tickets?view=<name>.
    "view": {"all": N_("All open work"), "mine": N_("Mine"), "unassigned": N_("Unassigned"),
             "approval": N_("Needs my approval"), "breaching": N_("Breaching within 1 hour"),
             "stolen": N_("Stolen-account cases")},
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


# What a ticket is about, in the reader's language. The stored `Ticket.subject` is English text that the API and
# the emails keep; the console reads it through these, by the ticket's source: the text after a known English
# prefix is the one detail the subject carries (an appeal's reason, which is itself a msgid; the masked address of
# an account recovery; an alert's rule), so no ticket needs a new column. A subject staff typed themselves (any
# other source, or a prefix that does not match) is shown as it was written.
SUBJECTS: dict[str, tuple[str, str, str | None]] = {
    # source: (stored English prefix, msgid with %(detail)s, kind of terms the detail is translated by)
    "appeal": ("Appeal: ", N_("Appeal: %(detail)s"), "msgid"),
    "recovery_request": ("Account recovery: ", N_("Account recovery: %(detail)s"), None),
    "alert": ("Security alert: ", N_("Security alert: %(detail)s"), "alert_rule"),
    "secure_account": ("Account reported stolen", N_("Account reported by its owner as stolen"), None),
    # The assistant's hand-off names the intent it recognised ("Assistant: lost email"); a contact message its
    # first line, the person's own words.
    "assistant": ("Assistant: ", N_("Assistant: %(detail)s"), "intent"),
    "contact": ("Contact: ", N_("Contact: %(detail)s"), None),
}
# Terms another capability names (an alert's rule): it registers its msgids here, as it depends on tickets and
# tickets may not import it (recovery/alerts/labels.py registers "alert_rule").
_TERMS: dict[str, dict[str, str]] = {}


def register_subject_terms(kind: str, terms: dict[str, str]) -> None:
    _TERMS[kind] = dict(terms)


def subject_parts(source: str, subject: str) -> tuple[str, str | None, bool] | None:
    """(msgid, its detail or None, whether the detail is itself a msgid) for one ticket; None for a subject of
    someone's own words."""
    known = SUBJECTS.get(source)
    if known is None or not subject.startswith(known[0]):
        return None
    prefix, msgid, terms = known
    if "%(detail)s" not in msgid:
        return msgid, None, False
    detail = subject[len(prefix):].strip()
    if terms == "intent":
        intent = LABELS["intent"].get(detail.replace(" ", "_"))
        return msgid, intent or detail, intent is not None
    if terms == "alert_rule":
        rules = _TERMS.get(terms, {})
        return msgid, rules.get(detail, detail), detail in rules
    return msgid, detail, terms == "msgid"


def ticket_subject(source: str, subject: str, translate) -> str:
    """The subject in the language `translate` (a gettext) speaks; the stored text when it is not one of ours."""
    parts = subject_parts(source, subject)
    if parts is None:
        return subject
    msgid, detail, detail_is_msgid = parts
    if detail is None:
        return translate(msgid)
    return translate(msgid) % {"detail": translate(detail) if detail_is_msgid else detail}
