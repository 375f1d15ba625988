"""marshmallow schemas of the tickets capability: requester intake, staff actions, and what the API returns."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from recovery.numbers import INT64_MAX, Id
from recovery.tickets.decisions import ACTIONS
from recovery.tickets.intake import APPEAL_REASONS
from recovery.tickets.models import CATEGORIES, OUTCOMES, QUEUES, STATUSES
from recovery.tickets.queries import VIEWS as QUEUE_VIEWS

_EMAIL = validate.Length(min=1, max=320)
_TEXT = validate.Length(max=10_000)


class Previewable(Schema):
    """A form with deflection's submit-preview step (recovery/tickets/deflection.py): `step=preview` asks for it."""

    step = fields.String(load_default="", validate=validate.OneOf(["", "preview"]), load_only=True)


class AppealRequest(Schema):
    email = fields.String(required=True, validate=_EMAIL)
    reason = fields.String(required=True, validate=validate.OneOf(list(APPEAL_REASONS)))
    message = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class AppealConfirm(Schema):
    email = fields.String(required=True, validate=_EMAIL)
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))


class RecoveryRequest(Schema):
    account_email = fields.String(required=True, validate=_EMAIL)
    contact_email = fields.String(required=True, validate=_EMAIL)
    message = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    last_signin_place = fields.String(load_default="", validate=validate.Length(max=200))
    last_signin_date = fields.String(load_default="", validate=validate.Length(max=20))
    devices = fields.String(load_default="", validate=validate.Length(max=200))
    recent_activity = fields.String(load_default="", validate=validate.Length(max=200))


class AppealForm(AppealRequest, Previewable):
    pass


class RecoveryForm(RecoveryRequest, Previewable):
    pass


class RecoveryConfirm(Schema):
    contact_email = fields.String(required=True, validate=_EMAIL)
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))


class ContactRequest(Previewable):
    """The contact form: signed out it names the account's email (a code goes to its addresses on file)."""

    email = fields.String(load_default="", validate=validate.Length(max=320))
    message = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class ContactConfirm(Schema):
    email = fields.String(required=True, validate=_EMAIL)
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))


class RequesterReply(Schema):
    message = fields.String(load_default="", validate=validate.Length(max=5000))


class Rating(Schema):
    score = fields.Integer(required=True, validate=validate.Range(min=1, max=5))


class Accepted(Schema):
    status = fields.String()
    message = fields.String()


class Confirmed(Schema):
    ticket_id = fields.Integer()
    status_url = fields.String()


class QueueQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    queue = fields.String(load_default=None, validate=validate.OneOf(QUEUES))
    category = fields.String(load_default=None, validate=validate.OneOf(CATEGORIES))
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    owner = fields.String(load_default=None, validate=validate.Length(max=20))  # "me" or a staff id
    cursor = fields.String(load_default=None, validate=validate.Length(max=200))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    view = fields.String(load_default="all", validate=validate.OneOf(QUEUE_VIEWS))


class BulkAction(Schema):
    """The queue's one bulk form: a checkbox per row (`ticket_ids`), claim them or route them (queue, reason)."""

    action = fields.String(required=True, validate=validate.OneOf(("claim", "route")))
    ticket_ids = fields.List(fields.Integer(strict=False, validate=validate.Range(min=1, max=2**63 - 1)),
                             required=True, validate=validate.Length(min=1, max=200))
    queue = fields.String(load_default=None, validate=validate.OneOf(QUEUES))
    priority = fields.Integer(load_default=None, validate=validate.Range(min=1, max=4))
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    view = fields.String(load_default="all", validate=validate.OneOf(QUEUE_VIEWS))  # where the agent goes back to


class Reply(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=10_000))
    request_info = fields.Boolean(load_default=False)


class Note(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=10_000))


class Reroute(Schema):
    queue = fields.String(required=True, validate=validate.OneOf(QUEUES))
    priority = fields.Integer(load_default=None, validate=validate.Range(min=1, max=4))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class Escalate(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class Decision(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    message = fields.String(load_default="", validate=_TEXT)
    actions = fields.List(fields.String(validate=validate.OneOf(ACTIONS)), load_default=None)
    appeal_again_days = fields.Integer(load_default=None, validate=validate.Range(min=0, max=365))


class Membership(Schema):
    queue = fields.String(required=True, validate=validate.OneOf(QUEUES))
    email = fields.String(required=True, validate=_EMAIL)
    is_lead = fields.Boolean(load_default=False)


class Availability(Schema):
    available = fields.Boolean(required=True)


# --- what the API returns --------------------------------------------------------------------------------

class SlaOut(Schema):
    state = fields.String()
    seconds_left = fields.Integer()
    first_response_due_at = fields.DateTime()
    resolution_due_at = fields.DateTime()


class TicketSummaryOut(Schema):
    id = fields.Integer()
    category = fields.String()
    priority = fields.Integer()
    status = fields.String()
    queue = fields.String()
    owner_id = fields.Integer(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    subject = fields.String()
    source = fields.String()
    tags = fields.List(fields.String())
    created_at = fields.DateTime()
    hold_until = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True)
    sla = fields.Nested(SlaOut)


class QueuePageOut(Schema):
    tickets = fields.List(fields.Nested(TicketSummaryOut))
    next_cursor = fields.String(allow_none=True)


class MessageOut(Schema):
    id = fields.Integer()
    internal = fields.Boolean()
    author_type = fields.String()
    author_id = fields.Integer(allow_none=True)
    body = fields.String()
    created_at = fields.DateTime()


class AuditOut(Schema):
    id = fields.Integer()
    type = fields.String()
    actor_type = fields.String()
    actor_id = fields.Integer(allow_none=True)
    details = fields.Dict()
    created_at = fields.DateTime()


class DecisionOut(Schema):
    id = fields.Integer()
    outcome = fields.String()
    actions = fields.List(fields.String())
    reason = fields.String()
    message = fields.String()
    status = fields.String()
    requested_by = fields.Integer(allow_none=True)
    approved_by = fields.Integer(allow_none=True)
    appeal_again_after = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    executed_at = fields.DateTime(allow_none=True)


class EvidenceOut(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_by = fields.String()
    created_at = fields.DateTime()
    deleted_at = fields.DateTime(allow_none=True)


class TimelineEventOut(Schema):
    id = fields.Integer()
    type = fields.String()
    actor_type = fields.String()
    ip = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    details = fields.Dict()
    created_at = fields.DateTime()


class TimelineSessionOut(Schema):
    id = fields.String()
    kind = fields.String()
    ip = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)


class AccountOut(Schema):
    id = fields.Integer()
    email = fields.String()
    status = fields.String()
    status_reason = fields.String(allow_none=True)
    role = fields.String()


class TimelineOut(Schema):
    account = fields.Nested(AccountOut, allow_none=True)
    events = fields.List(fields.Nested(TimelineEventOut))
    sessions = fields.List(fields.Nested(TimelineSessionOut))


class TranscriptLineOut(Schema):
    author = fields.String()  # "person" or "assistant"
    body = fields.String()
    intent = fields.String(allow_none=True)
    said_at = fields.DateTime()


class TicketDetailOut(TicketSummaryOut):
    requester_email = fields.String(allow_none=True)
    signals = fields.List(fields.String())
    attachments = fields.List(fields.Dict())
    identity_checks = fields.List(fields.Dict())
    messages = fields.List(fields.Nested(MessageOut))
    audit = fields.List(fields.Nested(AuditOut))
    decisions = fields.List(fields.Nested(DecisionOut))
    evidence = fields.List(fields.Nested(EvidenceOut))
    timeline = fields.Nested(TimelineOut)
    transcript = fields.List(fields.Nested(TranscriptLineOut))  # the assistant conversation it was handed off from


class PublicMessageOut(Schema):
    id = fields.Integer()
    author_type = fields.String()
    body = fields.String()
    created_at = fields.DateTime()


class PublicEvidenceOut(Schema):
    id = fields.Integer()
    filename = fields.String()
    size = fields.Integer()
    created_at = fields.DateTime()


class StatusOut(Schema):
    ticket_id = fields.Integer()
    category = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    deadline = fields.DateTime(allow_none=True)
    hold_until = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    appeal_again_after = fields.DateTime(allow_none=True)
    can_reply = fields.Boolean()
    can_rate = fields.Boolean()
    messages = fields.List(fields.Nested(PublicMessageOut))  # public replies only, never internal notes
    evidence = fields.List(fields.Nested(PublicEvidenceOut))


# --- documentation only: what the metrics and evidence endpoints send (the views build these directly) -----

class DurationsOut(Schema):
    count = fields.Integer(required=True)
    median_seconds = fields.Float(required=True, allow_none=True)
    p90_seconds = fields.Float(required=True, allow_none=True)


class AttainmentOut(Schema):
    queue = fields.String(required=True)
    priority = fields.Integer(required=True)
    resolved = fields.Integer(required=True)
    met = fields.Integer(required=True)
    attainment = fields.Float(required=True)


class BacklogOut(Schema):
    queue = fields.String(required=True)
    priority = fields.Integer(required=True)
    status = fields.String(required=True)
    count = fields.Integer(required=True)


class SatisfactionOut(Schema):
    answers = fields.Integer(required=True)
    average = fields.Float(required=True, allow_none=True)
    distribution = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class MetricsOut(Schema):
    days = fields.Integer(required=True)
    first_response = fields.Nested(DurationsOut, required=True)
    resolution = fields.Nested(DurationsOut, required=True)
    sla = fields.List(fields.Nested(AttainmentOut), required=True)
    backlog = fields.List(fields.Nested(BacklogOut), required=True)
    satisfaction = fields.Dict(keys=fields.String(), values=fields.Nested(SatisfactionOut), required=True)


# A multipart upload (JSON Schema, as OpenAPI writes one): files under `evidence`, an optional `message`.
EVIDENCE_UPLOAD = {"type": "object",
                   "properties": {"evidence": {"type": "array", "items": {"type": "string", "format": "binary"}},
                                  "message": {"type": "string", "maxLength": 5000}}}
# An evidence download: the file as it was checked at upload, one of the accepted types.
EVIDENCE_FILE = {media_type: {"type": "string", "format": "binary"}
                 for media_type in ("image/png", "image/jpeg", "application/pdf")}


# --- the console's ticket page (console_page.py) ---------------------------------------------------------------

class ConsoleReply(Reply):
    """A reply from the ticket page: the thread's version the page was loaded at, and whether the agent chose to
    send although someone else wrote since (collision detection)."""

    version = fields.Integer(load_default=None, validate=validate.Range(min=0, max=INT64_MAX))
    confirmed = fields.Boolean(load_default=False)


class MacroInsert(Schema):
    """The no-script Insert button: what was typed so far, and the canned response to add to it."""

    body = fields.String(load_default="", validate=validate.Length(max=20_000))
    macro = fields.String(required=True)
    request_info = fields.Boolean(load_default=False)
    version = fields.Integer(load_default=None, validate=validate.Range(min=0, max=INT64_MAX))
    confirmed = fields.Boolean(load_default=False)


class DraftForm(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("reply", "note")))
    body = fields.String(load_default="", validate=validate.Length(max=20_000))


class PresenceForm(Schema):
    version = fields.Integer(load_default=0, validate=validate.Range(min=0, max=INT64_MAX))


class ProposalForm(Schema):
    """Approve, reject or withdraw the pending proposal the page showed (its id); a rejection says why."""

    decision_id = Id(big=True, required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=1000))


class RejectBody(Schema):
    """Why the second staff member turns the proposal down (an internal note: the proposer reads it)."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))
