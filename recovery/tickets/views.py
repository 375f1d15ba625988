"""The support console (roles agent and security; admin passes): queue, ticket, actions, decisions, metrics."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext

from recovery.numbers import parse_int
from recovery.settings import SettingsError
from recovery.tickets import decisions, metrics, queries, queue_views, routing, service, sla
from recovery.tickets.access import staff_ticket
from recovery.tickets.labels import LABELS
from recovery.tickets.lifecycle import sla_state
from recovery.tickets.macros import MACROS, macro_variables
from recovery.tickets.models import QUEUES
from recovery.tickets.queue_views import STAFF
from recovery.tickets.schemas import Decision, Escalate, Note, Reply, Reroute
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


def _macro_text(ticket, name: str | None) -> str:
    if name not in MACROS:
        return ""
    with force_locale(ticket.locale):
        return gettext(MACROS[name][1]) % macro_variables(service_context(), ticket, staff())


@bp.get("/<bigid:ticket_id>")
@role_required(*STAFF)
def ticket(ticket_id: int):
    ctx = service_context()
    found = staff_ticket(ctx, staff(), ticket_id)
    detail = queries.ticket_detail(ctx, found)
    names = queries.staff_names(ctx, [found.owner_id] + [m.author_id for m in detail["messages"]]
                                + [d.requested_by for d in detail["decisions"]]
                                + [d.approved_by for d in detail["decisions"]])
    return render_template("tickets/ticket.html", **detail, sla=sla_state(ctx, found), names=names,
                           macros=MACROS, reply_text=_macro_text(found, request.args.get("macro")),
                           queues=QUEUES, labels=LABELS, actions=decisions.ACTIONS,
                           default_actions=decisions.DEFAULT_ACTIONS[found.category],
                           appeal_again_days=ctx.settings.ticket_appeal_again_days,
                           pending=decisions.pending_decision(ctx, found))


def _back(ticket_id: int, message: str):
    flash(message, "success")
    return redirect(url_for(".ticket", ticket_id=ticket_id), 303)


@bp.post("/<bigid:ticket_id>/reply")
@role_required(*STAFF)
def reply(ticket_id: int):
    ctx = service_context()
    data = parse_form(Reply())
    service.reply(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), data["body"], request_info=data["request_info"])
    return _back(ticket_id, gettext("Reply sent."))


@bp.post("/<bigid:ticket_id>/note")
@role_required(*STAFF)
def note(ticket_id: int):
    ctx = service_context()
    service.add_note(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), parse_form(Note())["body"])
    return _back(ticket_id, gettext("Note added."))


@bp.post("/<bigid:ticket_id>/reroute")
@role_required(*STAFF)
def reroute(ticket_id: int):
    ctx = service_context()
    data = parse_form(Reroute())
    service.reroute(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), **data)
    return _back(ticket_id, gettext("Ticket moved."))


@bp.post("/<bigid:ticket_id>/escalate")
@role_required(*STAFF)
def escalate(ticket_id: int):
    ctx = service_context()
    service.escalate(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), reason=parse_form(Escalate())["reason"])
    return _back(ticket_id, gettext("Ticket escalated."))


@bp.post("/<bigid:ticket_id>/claim")
@role_required(*STAFF)
def claim(ticket_id: int):
    ctx = service_context()
    service.claim(ctx, staff_ticket(ctx, staff(), ticket_id), staff())
    return _back(ticket_id, gettext("You own this ticket now."))


@bp.post("/<bigid:ticket_id>/decision")
@role_required(*STAFF)
def decide(ticket_id: int):
    ctx = service_context()
    form: dict[str, str | list[str]] = {k: v for k, v in request.form.items()
                                        if k not in ("csrf_token", "actions", "custom_actions")}
    if request.form.get("custom_actions"):
        form["actions"] = request.form.getlist("actions")
    data = parse(Decision(), form)
    made = decisions.decide(ctx, staff_ticket(ctx, staff(), ticket_id), staff(), **data)
    if made.status == "pending":
        return _back(ticket_id, gettext("Decision recorded. A second staff member must approve it."))
    return _back(ticket_id, gettext("Decision carried out."))


@bp.get("/<bigid:ticket_id>/evidence/<bigid:evidence_id>")
@role_required(*STAFF)
def evidence(ticket_id: int, evidence_id: int):
    return evidence_download(ticket_id, evidence_id)


@bp.get("/metrics")
@role_required(*STAFF)
def metrics_page():
    days = parse_int(request.args.get("days", "30"), low=1, high=365)
    if days is None:
        abort(400)
    return render_template("tickets/metrics.html", m=metrics.ticket_metrics(service_context(), days=days))
