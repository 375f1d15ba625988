"""The notes the service writes into a ticket (staff only), in English as stored and in the reader's language as
shown.

A system note's body is stored in English, as the API and exports give it, made from one of the msgids below
with its values; the console shows it by matching each line of the body back to its msgid and translating it,
values that are msgids themselves (a label such as "High" or "Secured from the new sign-in email") included.
A line that matches none (a note written before its wording was a msgid here, a staff member's own words) is
shown as stored. The catalogs hold the translations, so a note is written once and read in either language,
old rows included, without a second column or a migration.

    body = note(LINKED_OTHER, other=12)          # the English text to store
    shown = shown_note(body, gettext)            # what the console prints, line by line
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from recovery.errors import N_

# The values a note carries that are msgids (labels), translated when it is shown; others are shown as written.
_LABELLED = frozenset({"how", "severity", "kind"})

LINKED_SECURED = N_("Another request for this account is open (the owner secured the account): ticket "
                    "#%(other)s. Weigh both together; only one person can be the owner.")
LINKED_CLAIM = N_("Another request for this account is open (a request that states a claim, not opened by the "
                  "owner securing the account): ticket #%(other)s. Weigh both together; only one person can be "
                  "the owner.")
LINKED_OTHER = N_("Another request for this account is open from a different requester: ticket #%(other)s. "
                  "Weigh both together; only one person can be the owner.")
OPENED_SECURED = N_("Ticket #%(other)s was opened for this account (the owner secured the account). Weigh both "
                    "together; only one person can be the owner.")
OPENED_CLAIM = N_("Ticket #%(other)s was opened for this account (a request that states a claim, not opened by "
                  "the owner securing the account). Weigh both together; only one person can be the owner.")
OPENED_OTHER = N_("Ticket #%(other)s was opened for this account from a different requester. Weigh both "
                  "together; only one person can be the owner.")
NO_ACCOUNT = N_("No account matches the email given.")
FROM_ALERT = N_("Opened from alert %(alert)s (severity: %(severity)s; occurrences: %(count)s).")
REPORTED_STOLEN = N_("The account holder reported the account stolen (%(how)s).")
FACTORS_REMOVED = N_("Second factors added since the exposure began (%(since)s) were removed:")
FACTOR_REMOVED = N_('- %(kind)s "%(name)s", added %(added)s from %(device)s, %(place)s')
UNKNOWN_DEVICE = N_("unknown device")
UNKNOWN_PLACE = N_("unknown place")
FACTOR_KINDS = {"totp": N_("Authenticator app"), "passkey": N_("Passkey")}
# How the owner secured the account (containment's `source`), also the console's tags for it.
SECURED_FROM = {"email_button": N_("Secured from the new sign-in email"),
                "security_page": N_("Secured from the security page"), "api": N_("Secured through the API")}

NOTES = (LINKED_SECURED, LINKED_CLAIM, LINKED_OTHER, OPENED_SECURED, OPENED_CLAIM, OPENED_OTHER, NO_ACCOUNT,
         FROM_ALERT, REPORTED_STOLEN, FACTORS_REMOVED, FACTOR_REMOVED)


def note(msgid: str, **values: object) -> str:
    """One line of a system note in English (what is stored): `msgid`, one of NOTES, with its values."""
    return msgid % values if values else msgid


def shown_note(body: str, translate: Callable[[str], str]) -> str:
    """The stored body in the language `translate` (a gettext) speaks, line by line."""
    return "\n".join(_shown_line(line, translate) for line in body.split("\n"))


def _shown_line(line: str, translate: Callable[[str], str]) -> str:
    for msgid, pattern in _patterns():
        found = pattern.fullmatch(line)
        if found is not None:
            values = {name: translate(value) if name in _LABELLED or value in (UNKNOWN_DEVICE, UNKNOWN_PLACE)
                      else value for name, value in found.groupdict().items()}
            return translate(msgid) % values if values else translate(msgid)
    return line


@functools.cache
def _patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """Each note's msgid and a pattern of its English text, its values as named groups (built once)."""
    made = []
    for msgid in NOTES:
        parts = re.split(r"%\((\w+)\)s", msgid)
        regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
        made.append((msgid, re.compile(regex, re.S)))
    return tuple(made)
