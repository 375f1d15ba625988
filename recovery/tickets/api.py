"""JSON API of the tickets capability: requester intake and status (no sign-in), and the staff queue and actions."""

from __future__ import annotations

from flask import Blueprint, request
from marshmallow import Schema

from recovery.tickets import approvals, decisions, intake, queries, service
from recovery.tickets.access import staff_ticket, status_link, ticket_for_status_token
from recovery.tickets.lifecycle import sla_state
from recovery.tickets.metrics import team_report, ticket_metrics
from recovery.tickets.metrics_schemas import ReportOut, ReportQuery
from recovery.tickets.queue_views import STAFF, queue_filter
from recovery.tickets.requester import status_view
from recovery.tickets.schemas import (
    EVIDENCE_FILE,
    EVIDENCE_UPLOAD,
    Accepted,
    AppealConfirm,
    AppealRequest,
    Confirmed,
    Decision,
    DecisionOut,
    Escalate,
    MessageOut,
    MetricsOut,
    Note,
    QueuePageOut,
    QueueQuery,
    Rating,
    RecoveryConfirm,
    RecoveryRequest,
    RejectBody,
    Reply,
    RequesterReply,
    Reroute,
    StatusOut,
    TicketDetailOut,
    TicketSummaryOut,
)
from recovery.tickets.transcript import transcript_of
from recovery.tickets.view_kit import (
    allow_uploads,
    evidence_download,
    limit_intake,
    limit_requester_reply,
    staff,
    uploaded_files,
)
from recovery.web.auth import role_required
from recovery.web.context import service_context
from recovery.web.equal_time import equal_time
from recovery.web.forms import parse, parse_json
from recovery.web.openapi import api_doc

bp = Blueprint("tickets_api", __name__, url_prefix="/api/v1")
allow_uploads(bp, {"tickets_api.status_evidence"})
_ACCEPTED = {"status": "accepted", "message": "If an account uses this address, we sent a code to the "
                                              "addresses on file."}


# --- requesters ------------------------------------------------------------------------------------------

@bp.post("/appeals")
@api_doc("Ask to appeal: a code goes to every address on file of the account; the same answer for any email",
         body=AppealRequest, responses={202: Accepted}, auth=False, tags=("appeals",))
@limit_intake("appeal")
@equal_time("appeal")
def request_appeal():
    intake.request_appeal(service_context(), **parse_json(AppealRequest()))
    return _ACCEPTED, 202


def _confirmed(ticket):
    ctx = service_context()
    return {"ticket_id": ticket.id, "status_url": status_link(ctx, ticket)}, 201


@bp.post("/appeals/confirm")
@api_doc("Confirm an appeal with the emailed code: opens the ticket (or adds to the open one)",
         body=AppealConfirm, responses={201: Confirmed}, errors=(409,), auth=False, tags=("appeals",))
@limit_intake("appeal-confirm")
@equal_time("appeal-confirm")
def confirm_appeal():
    return _confirmed(intake.confirm_appeal(service_context(), **parse_json(AppealConfirm())))


@bp.post("/recovery-requests")
@api_doc("Ask to recover an account whose factors are all lost: a code goes to the new contact given",
         body=RecoveryRequest, responses={202: Accepted}, auth=False, tags=("appeals",))
@limit_intake("recover")
@equal_time("recover")
def request_recovery():
    data = parse_json(RecoveryRequest())
    answers = {key: data.pop(key) for key in ("last_signin_place", "last_signin_date", "devices",
                                              "recent_activity")}
    intake.request_recovery(service_context(), answers=answers, **data)
    return {"status": "accepted", "message": "We sent a code to the contact address."}, 202


@bp.post("/recovery-requests/confirm")
@api_doc("Confirm a recovery request with the code sent to the new contact: opens the ticket on hold",
         body=RecoveryConfirm, responses={201: Confirmed}, auth=False, tags=("appeals",))
@limit_intake("recover-confirm")
def confirm_recovery():
    return _confirmed(intake.confirm_recovery(service_context(), **parse_json(RecoveryConfirm())))


@bp.get("/appeals/status/<token>")
@api_doc("The requester's status page as JSON (the signed link is the key)", responses={200: StatusOut},
         auth=False, tags=("appeals",))
def status(token: str):
    ctx = service_context()
    return StatusOut().dump(status_view(ctx, ticket_for_status_token(ctx, token)))


@bp.post("/appeals/status/<token>/replies")
@api_doc("The requester replies (a recently resolved ticket reopens)", body=RequesterReply,
         responses={201: StatusOut}, errors=(409,), auth=False, tags=("appeals",))
@limit_requester_reply
def status_reply(token: str):
    ctx = service_context()
    ticket = intake.requester_reply_by_token(ctx, token, parse_json(RequesterReply())["message"], [])
    return StatusOut().dump(status_view(ctx, ticket)), 201


@bp.post("/appeals/status/<token>/evidence")
@api_doc("Add evidence files (multipart field `evidence`: PNG, JPEG or PDF)", multipart=EVIDENCE_UPLOAD,
         responses={201: StatusOut}, errors=(409, 415), auth=False, tags=("appeals",))
@limit_requester_reply
def status_evidence(token: str):
    ctx = service_context()
    # the files are read only once the link checks
    ticket = intake.requester_reply_by_token(ctx, token, request.form.get("message", ""), uploaded_files)
    return StatusOut().dump(status_view(ctx, ticket)), 201


@bp.post("/appeals/status/<token>/rating")
@api_doc("Answer the satisfaction survey (1-5) once the ticket is decided", body=Rating,
         responses={200: StatusOut}, errors=(409,), auth=False, tags=("appeals",))
def rate(token: str):
    ctx = service_context()
    ticket = intake.rate_ticket(ctx, ticket_for_status_token(ctx, token), parse_json(Rating())["score"])
    return StatusOut().dump(status_view(ctx, ticket))


# --- staff -----------------------------------------------------------------------------------------------

def _fields(ctx, ticket, schema: type[Schema]) -> dict:
    # The declared field names, read from the class: building a marshmallow schema copies every field, and
    # the queue did that twice per row (a third of the API's time for a 50-row page).
    data = {name: getattr(ticket, name) for name in schema._declared_fields if hasattr(ticket, name)}
    return {**data, "sla": sla_state(ctx, ticket)}


def _summary(ctx, ticket) -> dict:
    return TicketSummaryOut().dump(_fields(ctx, ticket, TicketSummaryOut))


@bp.get("/tickets")
@api_doc("The queue: open tickets by priority then SLA deadline (filters: queue, category, status, owner=me|id, "
         "view: a saved view)",
         query=QueueQuery, responses={200: QueuePageOut}, tags=("tickets",))
@role_required(*STAFF)
def list_tickets():
    args = parse(QueueQuery(), request.args.to_dict())
    ctx = service_context()
    page = queries.list_queue(ctx, staff(), queue_filter(args, staff()), cursor=args["cursor"], limit=args["limit"])
    shown = page.tickets
    if args["view"] == "approval":  # the saved view's rule, as the console applies it
        allowed = approvals.approvable(ctx, staff(), [ticket.id for ticket in shown])
        shown = [ticket for ticket in shown if ticket.id in allowed]
    rows = [_fields(ctx, ticket, TicketSummaryOut) for ticket in shown]
    return {"tickets": TicketSummaryOut(many=True).dump(rows), "next_cursor": page.next_cursor}


def _detail(ticket_id: int) -> dict:
    ctx = service_context()
    detail = queries.ticket_detail(ctx, staff_ticket(ctx, staff(), ticket_id))
    timeline = detail["timeline"]
    return TicketDetailOut().dump({
        **_fields(ctx, detail["ticket"], TicketDetailOut), "messages": detail["messages"], "audit": detail["audit"],
        "decisions": detail["decisions"], "evidence": detail["evidence"],
        "transcript": transcript_of(ctx, ticket_id),
        "timeline": {"account": timeline["user"], "events": timeline["events"], "sessions": timeline["sessions"]}})


@bp.get("/tickets/<bigid:ticket_id>")
@api_doc("One ticket with its thread, audit trail, decisions, evidence and the account's security timeline",
         responses={200: TicketDetailOut}, tags=("tickets",))
@role_required(*STAFF)
def get_ticket(ticket_id: int):
    return _detail(ticket_id)


@bp.post("/tickets/<bigid:ticket_id>/replies")
@api_doc("A public reply to the requester (request_info: wait on the requester, pausing the SLA)", body=Reply,
         responses={201: MessageOut}, errors=(409,), tags=("tickets",))
@role_required(*STAFF)
def reply(ticket_id: int):
    ctx = service_context()
    data = parse_json(Reply())
    message = service.reply(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), data["body"],
                            request_info=data["request_info"])
    return MessageOut().dump(message), 201


@bp.post("/tickets/<bigid:ticket_id>/notes")
@api_doc("An internal note (staff only)", body=Note, responses={201: MessageOut}, tags=("tickets",))
@role_required(*STAFF)
def note(ticket_id: int):
    ctx = service_context()
    message = service.add_note(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), parse_json(Note())["body"])
    return MessageOut().dump(message), 201


@bp.post("/tickets/<bigid:ticket_id>/reroute")
@api_doc("Move the ticket to another queue (and priority) with a reason", body=Reroute,
         responses={200: TicketSummaryOut}, tags=("tickets",))
@role_required(*STAFF)
def reroute(ticket_id: int):
    ctx = service_context()
    ticket = service.reroute(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), **parse_json(Reroute()))
    return _summary(ctx, ticket)


@bp.post("/tickets/<bigid:ticket_id>/escalate")
@api_doc("Raise the priority one step and tell the queue's lead", body=Escalate,
         responses={200: TicketSummaryOut}, tags=("tickets",))
@role_required(*STAFF)
def escalate(ticket_id: int):
    ctx = service_context()
    ticket = service.escalate(ctx, staff_ticket(ctx, staff(), ticket_id), staff(),
                              reason=parse_json(Escalate())["reason"])
    return _summary(ctx, ticket)


@bp.post("/tickets/<bigid:ticket_id>/claim")
@api_doc("Take the ticket", responses={200: TicketSummaryOut}, tags=("tickets",))
@role_required(*STAFF)
def claim(ticket_id: int):
    ctx = service_context()
    return _summary(ctx, service.claim(ctx, staff_ticket(ctx, staff(), ticket_id), staff()))


@bp.post("/tickets/<bigid:ticket_id>/decisions")
@api_doc("Decide: 201 when carried out; 202 when it waits for a second staff member (four-eyes), whose "
         "matching call carries it out", body=Decision, responses={201: DecisionOut, 202: DecisionOut},
         errors=(409,), tags=("tickets",))
@role_required(*STAFF)
def decide(ticket_id: int):
    ctx = service_context()
    made = decisions.decide(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), **parse_json(Decision()))
    return DecisionOut().dump(made), 202 if made.status == "pending" else 201


@bp.post("/tickets/<bigid:ticket_id>/decisions/<bigid:decision_id>/approve")
@api_doc("Four-eyes: a second staff member carries out the pending proposal (never its proposer: 409)",
         responses={201: DecisionOut}, errors=(403, 409), tags=("tickets",))
@role_required(*STAFF)
def approve(ticket_id: int, decision_id: int):
    ctx = service_context()
    made = decisions.approve(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), decision_id)
    return DecisionOut().dump(made), 201


@bp.post("/tickets/<bigid:ticket_id>/decisions/<bigid:decision_id>/reject")
@api_doc("Four-eyes: a second staff member turns the pending proposal down, saying why; the account is left as "
         "it is", body=RejectBody, responses={200: DecisionOut}, errors=(403, 409), tags=("tickets",))
@role_required(*STAFF)
def reject(ticket_id: int, decision_id: int):
    ctx = service_context()
    reason = parse_json(RejectBody())["reason"]
    made = decisions.reject(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), decision_id, reason=reason)
    return DecisionOut().dump(made)


@bp.post("/tickets/<bigid:ticket_id>/decisions/<bigid:decision_id>/withdraw")
@api_doc("Four-eyes: the proposer takes the pending proposal back", responses={200: DecisionOut},
         errors=(403, 409), tags=("tickets",))
@role_required(*STAFF)
def withdraw(ticket_id: int, decision_id: int):
    ctx = service_context()
    made = decisions.withdraw(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), decision_id)
    return DecisionOut().dump(made)


@bp.get("/tickets/<bigid:ticket_id>/evidence/<bigid:evidence_id>")
@api_doc("Download an evidence file (staff only)", responses={200: EVIDENCE_FILE}, tags=("tickets",))
@role_required(*STAFF)
def evidence(ticket_id: int, evidence_id: int):
    return evidence_download(ticket_id, evidence_id)


@bp.get("/tickets/metrics")
@api_doc("Response and resolution times, SLA attainment, backlog and satisfaction over the last 30 days",
         responses={200: MetricsOut}, tags=("tickets",))
@role_required(*STAFF)
def metrics():
    return ticket_metrics(service_context())


@bp.get("/tickets/metrics/report")
@api_doc("The team lead's report over the last 7, 30 or 90 days: first response and resolution times (median, p90) "
         "by priority and queue, SLA attainment by priority, open tickets per day, CSAT",
         query=ReportQuery, responses={200: ReportOut}, tags=("tickets",))
@role_required(*STAFF)
def metrics_report():
    days = parse(ReportQuery(), request.args.to_dict())["days"]
    return team_report(service_context(), days=days)
