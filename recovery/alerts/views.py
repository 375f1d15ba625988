"""The security team's alert console (/staff/alerts): filters, refreshing itself without script, actions on
the account; and the webhook subscriptions page with each one's delivery history."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from recovery.alerts import actions, labels, service, webhooks
from recovery.alerts import related as _related  # noqa: F401  (the ticket page lists the account's alerts)
from recovery.alerts.models import SEVERITIES, STATUSES
from recovery.alerts.schemas import AcknowledgeBody, ConsoleQuery, ResolveBody, WebhookBody
from recovery.web.auth import role_required, signed_in_user
from recovery.web.context import runtime, service_context
from recovery.web.forms import form_page, parse, parse_form

bp = Blueprint("alerts", __name__)
labels.register(bp)
TEAM = "security"


def _console() -> dict:
    query = parse(ConsoleQuery(), request.args.to_dict())
    cursor, limit = query.pop("cursor"), query.pop("limit")
    filters = service.AlertFilters(**{k: (v or None) for k, v in query.items()})
    page = service.list_alerts(service_context(), filters, cursor=cursor, limit=limit)
    return {"page": page, "filters": query, "statuses": STATUSES, "severities": SEVERITIES,
            "refresh": runtime().settings.alert_console_refresh_seconds}


@bp.get("/staff/alerts")
@role_required(TEAM)
def console():
    return render_template("alerts/console.html", form={}, errors={}, **_console())


def _back():
    """Back to the console with the filters it had (only ever a console path)."""
    target = request.form.get("back") or ""
    ok = target.startswith("/staff/alerts") and "//" not in target and "\\" not in target
    return redirect(target if ok else url_for("alerts.console"), 303)


@bp.post("/staff/alerts/<bigid:alert_id>/acknowledge")
@role_required(TEAM)
@form_page("alerts/console.html", lambda alert_id: _console())
def acknowledge(alert_id: int):
    data = parse_form(AcknowledgeBody())
    service.acknowledge(service_context(), alert_id, signed_in_user(), **data)
    flash(gettext("Alert %(id)d acknowledged.", id=alert_id), "success")
    return _back()


@bp.post("/staff/alerts/<bigid:alert_id>/resolve")
@role_required(TEAM)
@form_page("alerts/console.html", lambda alert_id: _console())
def resolve(alert_id: int):
    data = parse_form(ResolveBody())
    service.resolve(service_context(), alert_id, signed_in_user(), **data)
    flash(gettext("Alert %(id)d resolved.", id=alert_id), "success")
    return _back()


@bp.post("/staff/alerts/<bigid:alert_id>/lock")
@role_required(TEAM)
@form_page("alerts/console.html", lambda alert_id: _console())
def lock(alert_id: int):
    user, locked = actions.lock_account(service_context(), alert_id, signed_in_user())
    if locked:
        flash(gettext("The account of %(email)s is locked. Its holder has been told.", email=user.email), "success")
    else:
        flash(gettext("The account of %(email)s already has a stronger restriction, which stays in force: "
                      "ending it needs two staff members.", email=user.email), "success")
    return _back()


@bp.post("/staff/alerts/<bigid:alert_id>/revoke-sessions")
@role_required(TEAM)
@form_page("alerts/console.html", lambda alert_id: _console())
def revoke_sessions(alert_id: int):
    count = actions.revoke_sessions(service_context(), alert_id, signed_in_user())
    flash(gettext("%(count)d sessions signed out.", count=count), "success")
    return _back()


@bp.post("/staff/alerts/<bigid:alert_id>/ticket")
@role_required(TEAM)
@form_page("alerts/console.html", lambda alert_id: _console())
def open_ticket(alert_id: int):
    ticket = actions.open_alert_ticket(service_context(), alert_id, signed_in_user())
    return redirect(url_for("tickets.ticket", ticket_id=ticket.id), 303)


def _webhooks_page() -> dict:
    ctx = service_context()
    subscriptions = webhooks.list_subscriptions(ctx)
    return {"subscriptions": subscriptions, "severities": SEVERITIES,
            "deliveries": {s.id: webhooks.deliveries(ctx, s.id, limit=10) for s in subscriptions}}


@bp.route("/staff/alerts/webhooks", methods=["GET", "POST"])
@role_required(TEAM)
@form_page("alerts/webhooks.html", _webhooks_page)
def webhooks_page():
    if request.method == "GET":
        return render_template("alerts/webhooks.html", form={}, errors={}, **_webhooks_page())
    data = parse_form(WebhookBody())
    subscription, secret = webhooks.create_subscription(service_context(), signed_in_user(), **data)
    # The one time the secret is shown: this response only (never stored in a flash cookie).
    return render_template("alerts/webhooks.html", form={}, errors={}, created=subscription, secret=secret,
                           **_webhooks_page())


@bp.post("/staff/alerts/webhooks/<int:subscription_id>/delete")
@role_required(TEAM)
def delete_webhook(subscription_id: int):
    webhooks.delete_subscription(service_context(), subscription_id)
    flash(gettext("The webhook is deleted. Nothing more will be sent to it."), "success")
    return redirect(url_for("alerts.webhooks_page"), 303)
