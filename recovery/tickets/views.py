"""The support console (roles agent and security; admin passes): queue, ticket, actions, decisions, metrics."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext, ngettext

from recovery.settings import SettingsError
from recovery.tickets import (
    decisions,
    drafts,
    metrics,
    presence,
    queue_views,
    routing,
    service,
    sla,
)
from recovery.tickets.access import staff_ticket
from recovery.tickets.console_page import back, macro_texts, render, stays_on_ticket
from recovery.tickets.metrics_schemas import ReportQuery
from recovery.tickets.queue_views import STAFF
from recovery.tickets.schemas import (
    ConsoleReply,
    Decision,
    DraftForm,
    Escalate,
    MacroInsert,
    Note,
    PresenceForm,
    ProposalForm,
    Reroute,
)
from recovery.tickets.view_kit import evidence_download, register_template_helpers, staff
from recovery.web.auth import role_required
from recovery.web.context import service_context
from recovery.web.forms import parse, parse_form

bp = Blueprint("tickets", __name__, url_prefix="/staff/tickets")
register_template_helpers(bp)
queue_views.register(bp)  # the queue, its saved views and bulk actions, queues and availability


@bp.record_once
def _check_settings(state) -> None:
    """A malformed SLA policy or routing file stops the service at start-up, not at the first ticket."""
    settings = state.app.extensions["recovery"].settings
    try:
        sla.parse_policy(settings.ticket_sla_policy)
    except ValueError as exc:
        raise SettingsError(f"RECOVERY_TICKET_SLA_POLICY: {exc}") from exc
    try:
        routing.load_rules(settings.ticket_routing_file)
    except (OSError, ValueError) as exc:
        raise SettingsError(f"RECOVERY_TICKET_ROUTING_FILE: {exc}") from exc




@bp.get("/<bigid:ticket_id>")
@role_required(*STAFF)
def ticket(ticket_id: int):
    return render(ticket_id)


def _collided(ctx, found, data: dict) -> presence.Collision | None:
    """Someone else wrote on the ticket since the agent's page loaded, and the agent has not yet chosen to send
    anyway: the page comes back with the typed text and what happened (collision detection without script)."""
    if data.get("version") is None or data.get("confirmed"):
        return None
    seen = presence.collision(ctx, found, staff(), data["version"])
    return seen if seen.new_messages else None


@bp.post("/<bigid:ticket_id>/reply")
@role_required(*STAFF)
@stays_on_ticket
def reply(ticket_id: int):
    ctx = service_context()
    data = parse_form(ConsoleReply())
    found = staff_ticket(ctx, staff(), ticket_id)
    seen = _collided(ctx, found, data)
    if seen is not None:
        return render(ticket_id, typed={"reply": data["body"], "request_info": data["request_info"]},
                      version=seen.version, collided=seen)
    service.reply(ctx, found, staff(), data["body"], request_info=data["request_info"])
    drafts.discard_draft(ctx, found, staff(), "reply")
    return back(ticket_id, gettext("Reply sent."))


@bp.post("/<bigid:ticket_id>/macro")
@role_required(*STAFF)
@stays_on_ticket
def macro(ticket_id: int):
    """Without script, "Insert" posts the reply box: the page comes back with what was typed and the canned
    response after it (nothing is sent; the text is also kept as the draft)."""
    ctx = service_context()
    data = parse_form(MacroInsert())
    found = staff_ticket(ctx, staff(), ticket_id)
    typed = data["body"].rstrip()
    text = macro_texts(found).get(data["macro"], "")
    body = f"{typed}\n\n{text}" if typed and text else typed or text
    drafts.save_draft(ctx, found, staff(), "reply", body)
    return render(ticket_id, typed={"reply": body, "request_info": data["request_info"]}, version=data["version"])


@bp.post("/<bigid:ticket_id>/draft")
@role_required(*STAFF)
def draft(ticket_id: int):
    """The page's script keeps what is typed in the reply and note boxes (console-ticket.js)."""
    ctx = service_context()
    data = parse_form(DraftForm())
    drafts.save_draft(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), data["kind"], data["body"])
    return "", 204


@bp.post("/<bigid:ticket_id>/presence")
@role_required(*STAFF)
def watch(ticket_id: int):
    """The page's script, every PING_SECONDS: the agent is still here; who else is, and what was written since
    the page's version, in words for the warning."""
    ctx = service_context()
    data = parse_form(PresenceForm())
    seen = presence.collision(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), data["version"])
    return jsonify(viewing=_viewing_text(seen.viewers), written=_written_text(seen), version=seen.version)


def _viewing_text(viewers: list[str]) -> str:
    if not viewers:
        return ""
    return ngettext("%(names)s is also viewing this ticket.", "%(names)s are also viewing this ticket.",
                    len(viewers), names=", ".join(viewers))


def _written_text(seen: presence.Collision) -> str:
    if not seen.new_messages:
        return ""
    if seen.writers:
        return ngettext("%(names)s wrote on this ticket since you opened it. Reload to read it before you send.",
                        "%(names)s wrote on this ticket since you opened it. Reload to read it before you send.",
                        len(seen.writers), names=", ".join(seen.writers))
    return ngettext("%(num)d new message since you opened this ticket. Reload to read it before you send.",
                    "%(num)d new messages since you opened this ticket. Reload to read them before you send.",
                    seen.new_messages)


@bp.post("/<bigid:ticket_id>/note")
@role_required(*STAFF)
@stays_on_ticket
def note(ticket_id: int):
    ctx = service_context()
    found = staff_ticket(ctx, staff(), ticket_id)
    service.add_note(ctx, found, staff(), parse_form(Note())["body"])
    drafts.discard_draft(ctx, found, staff(), "note")
    return back(ticket_id, gettext("Note added."))


@bp.post("/<bigid:ticket_id>/reroute")
@role_required(*STAFF)
@stays_on_ticket
def reroute(ticket_id: int):
    ctx = service_context()
    data = parse_form(Reroute())
    service.reroute(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), **data)
    return back(ticket_id, gettext("Ticket moved."))


@bp.post("/<bigid:ticket_id>/escalate")
@role_required(*STAFF)
@stays_on_ticket
def escalate(ticket_id: int):
    ctx = service_context()
    service.escalate(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), reason=parse_form(Escalate())["reason"])
    return back(ticket_id, gettext("Ticket escalated."))


@bp.post("/<bigid:ticket_id>/claim")
@role_required(*STAFF)
@stays_on_ticket
def claim(ticket_id: int):
    ctx = service_context()
    service.claim(ctx, staff_ticket(ctx, staff(), ticket_id), staff())
    return back(ticket_id, gettext("You own this ticket now."))


@bp.post("/<bigid:ticket_id>/decision")
@role_required(*STAFF)
@stays_on_ticket
def decide(ticket_id: int):
    ctx = service_context()
    form: dict[str, str | list[str]] = {k: v for k, v in request.form.items()
                                        if k not in ("csrf_token", "actions", "custom_actions")}
    if request.form.get("custom_actions"):
        form["actions"] = request.form.getlist("actions")
    data = parse(Decision(), form)
    made = decisions.decide(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), **data)
    if made.status == "pending":
        return back(ticket_id, gettext("Decision recorded. A second staff member must approve it."),
                    anchor="four-eyes")
    return back(ticket_id, gettext("Decision carried out."))


# Four-eyes on the page: a second staff member approves or rejects (saying why) the pending proposal the page
# showed (its id); its proposer withdraws it.

@bp.post("/<bigid:ticket_id>/proposal/approve")
@role_required(*STAFF)
@stays_on_ticket
def approve(ticket_id: int):
    ctx = service_context()
    decision_id = parse_form(ProposalForm())["decision_id"]
    decisions.approve(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), decision_id)
    return back(ticket_id, gettext("Approved: the decision is carried out."))


@bp.post("/<bigid:ticket_id>/proposal/reject")
@role_required(*STAFF)
@stays_on_ticket
def reject(ticket_id: int):
    ctx = service_context()
    data = parse_form(ProposalForm())
    decisions.reject(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), data["decision_id"], reason=data["reason"])
    return back(ticket_id, gettext("Rejected: nothing was changed on the account."))


@bp.post("/<bigid:ticket_id>/proposal/withdraw")
@role_required(*STAFF)
@stays_on_ticket
def withdraw(ticket_id: int):
    ctx = service_context()
    decision_id = parse_form(ProposalForm())["decision_id"]
    decisions.withdraw(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), decision_id)
    return back(ticket_id, gettext("Your proposal is withdrawn."))


@bp.get("/<bigid:ticket_id>/evidence/<bigid:evidence_id>")
@role_required(*STAFF)
def evidence(ticket_id: int, evidence_id: int):
    return evidence_download(ticket_id, evidence_id)


@bp.get("/metrics")
@role_required(*STAFF)
def metrics_page():
    """The team lead's page: the period by URL (?days=7|30|90), charts drawn on the server, the JSON beside it."""
    days = parse(ReportQuery(), request.args.to_dict())["days"]
    return render_template("tickets/metrics.html", r=metrics.team_report(service_context(), days=days),
                           periods=metrics.PERIODS)
