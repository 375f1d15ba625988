"""Errors of the tickets capability (RecoveryError subclasses, mapped to responses by web/errors.py).

RecoveryError
├── TicketClosed                409  the ticket is closed (or past the reopen window): open a new request
├── AlreadyDecided              409  the ticket already carries an executed decision
├── HoldActive(until)           409  a recovery request cannot be granted before its security hold ends
├── SecondApproverRequired      409  under four-eyes, the proposer cannot also approve
├── ProposalChanged             409  the proposal being approved, rejected or withdrawn is no longer the pending one
├── AppealTooSoon(after)        409  a denied appeal may be repeated only after a date
└── EvidenceRejected                   a file the ticket will not keep, with a message naming it and why
    ├── EvidenceWrongType       415  not a PNG, JPEG or PDF by its content (the extension must agree)
    ├── EvidenceTooLarge        413  over the per-file limit
    ├── EvidenceEmpty           400
    └── EvidenceTooMany         400  the ticket already holds the most files it may
"""

from __future__ import annotations

from recovery.errors import N_, RecoveryError


class TicketClosed(RecoveryError):
    code = "ticket_closed"
    status = 409
    message = N_("This request is closed. If you still need help, please open a new request.")


class AlreadyDecided(RecoveryError):
    code = "already_decided"
    status = 409
    message = N_("This ticket has already been decided.")


class HoldActive(RecoveryError):
    code = "security_hold"
    status = 409
    message = N_("This request is on a security hold until %(until)s and cannot be granted before then.")


class SecondApproverRequired(RecoveryError):
    code = "second_approver_required"
    status = 409
    message = N_("You proposed this decision; a different staff member must approve it.")


class ProposalChanged(RecoveryError):
    code = "proposal_changed"
    status = 409
    message = N_("This proposal was changed or already handled. Read the ticket again before you act on it.")


class ProposalWaiting(RecoveryError):
    code = "proposal_waiting"
    status = 409
    message = N_("Another staff member proposed this decision and it is waiting for approval: read the proposal "
                 "on the ticket and approve or reject it.")


class AppealTooSoon(RecoveryError):
    code = "appeal_too_soon"
    status = 409
    message = N_("Your last appeal was denied. You may appeal again after %(after)s.")


class EvidenceRejected(RecoveryError):
    code = "evidence_rejected"
    status = 400


class EvidenceWrongType(EvidenceRejected):
    code = "evidence_wrong_type"
    status = 415
    message = N_("The file %(name)s is not a PNG, JPEG or PDF file. Only these types are accepted.")


class EvidenceTooLarge(EvidenceRejected):
    code = "evidence_too_large"
    status = 413
    message = N_("The file %(name)s is larger than %(limit)s MB. Please send a smaller file.")


class EvidenceEmpty(EvidenceRejected):
    code = "evidence_empty"
    status = 400
    message = N_("The file %(name)s is empty.")


class EvidenceTooMany(EvidenceRejected):
    code = "evidence_too_many"
    status = 400
    message = N_("A request can hold at most %(limit)s files.")
